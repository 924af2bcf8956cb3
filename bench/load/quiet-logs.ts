// Imported first: the runtime's loggers read their level when they are made, and its INFO lines would bury the figures.
process.env.POWERTOOLS_LOG_LEVEL ??= "WARN";
