"""Engines that read the compiled problem (MILP, NSGA-II), Pareto fronts, reports and the CLI."""
