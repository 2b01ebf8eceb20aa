using AgriInsure.Cli;

return await Commands.RunAsync(args);
