-- Latency parameters that used to reach an assertion (or round to an
-- invalid model): each case must be exit 2 naming this file and line.
local case = dsim.param("case", "pareto_tiny")
local cases = {
  pareto_tiny = function() return dsim.pareto(1, 1e-300) end,
  pareto_round = function() return dsim.pareto(1, 0.0004) end,
  pareto_huge = function() return dsim.pareto(1, 1e300) end,
  lognormal_sigma = function() return dsim.lognormal(1, 11) end,
  lognormal_round = function() return dsim.lognormal(1, 1e-9) end,
  uniform_order = function() return dsim.uniform(2, 1) end,
  constant_nan = function() return dsim.constant(0 / 0) end,
  constant_inf = function() return dsim.constant(math.huge) end,
  normal_nan = function() return dsim.normal(1, 0 / 0) end,
  table_pareto = function() return { kind = "pareto", a = 1, b = 1e-300 } end,
  table_inf = function() return { kind = "uniform", a = 1, b = math.huge } end,
  number_nan = function() return 0 / 0 end,
}
local c = dsim.cluster { protocol = "single", nodes = 3, net = { latency = cases[case]() } }
c:run { until_ms = 10 }
