# dsim.bash — bash completion for dsim (installed as
# share/bash-completion/completions/dsim). Commands come from 'dsim --help'
# and each command's options from 'dsim COMMAND --help', so completion
# follows the binary it completes; file names everywhere else.
_dsim() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local bin=${COMP_WORDS[0]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        local cmds
        cmds=$("$bin" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
        mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
        return 0
    fi
    local cmd=${COMP_WORDS[1]}
    case "$prev" in
        --model)
            mapfile -t COMPREPLY < <(compgen -W "$("$bin" check --help 2>/dev/null |
                sed -n '/^models:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')" -- "$cur")
            return 0 ;;
        --format)
            mapfile -t COMPREPLY < <(compgen -W "auto json edn etcd kv html svg" -- "$cur")
            return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        local opts
        opts=$("$bin" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return 0
    fi
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -F _dsim dsim
