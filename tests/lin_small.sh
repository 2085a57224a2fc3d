# lin_small.sh — three small register histories the linearizability CLI
# tests share. Sourced; 'lin_small DIR' writes into DIR:
#   ok.jsonl     a write, then a read of it: linearizable
#   stale.jsonl  two writes, then a read of the first: a stale read
#   hard.jsonl   twelve concurrent writes and a read of a value none wrote:
#                not linearizable, and a tiny state budget gives up first
# 'ev PROCESS TYPE F VALUE' prints one history line (the callers' own
# histories use it too).
ev() { printf '{"process":%s,"type":"%s","f":"%s","value":%s}\n' "$1" "$2" "$3" "$4"; }

lin_small() {
    { ev 0 invoke write 1; ev 0 ok write 1; ev 1 invoke read null; ev 1 ok read 1; } >"$1/ok.jsonl"
    { ev 0 invoke write 1; ev 0 ok write 1; ev 0 invoke write 2; ev 0 ok write 2
      ev 1 invoke read null; ev 1 ok read 1; } >"$1/stale.jsonl"
    { for p in 0 1 2 3 4 5 6 7 8 9 10 11; do ev $p invoke write $p; done
      for p in 0 1 2 3 4 5 6 7 8 9 10 11; do ev $p ok write $p; done
      ev 20 invoke read null; ev 20 ok read 99; } >"$1/hard.jsonl"
}
