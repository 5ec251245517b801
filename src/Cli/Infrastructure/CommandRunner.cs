using System.CommandLine;

namespace Pipelines.Cli.Infrastructure;

/// <summary>Parses, dispatches and maps failures to exit codes (<see cref="ErrorMapping"/>): 0 ok, 1 failed, 2 bad usage; errors as one line.</summary>
internal static class CommandRunner
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs the chosen command.</summary>
    public static int Invoke(RootCommand root, string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        TextWriter err = stderr ?? Console.Error;
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError e in parsed.Errors)
            {
                err.WriteLine($"error: {e.Message}");
            }

            err.WriteLine($"Run '{string.Join(' ', parsed.CommandResult.Command.Name == root.Name ? "pipelines" : "pipelines " + parsed.CommandResult.Command.Name)} --help' for usage.");
            return BadUsage;
        }

        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (stdout is not null)
        {
            config.Output = stdout;
        }

        config.Error = err;
        return parsed.Invoke(config);
    }

    /// <summary>Sets <paramref name="command"/>'s action: runs <paramref name="body"/> and maps exceptions to exit codes.</summary>
    public static void SetHandler(Command command, Func<ParseResult, CliConsole, int> body)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.SetAction((ParseResult parsed) =>
        {
            var console = new CliConsole(parsed.GetValue(GlobalOptions.Json), parsed.GetValue(GlobalOptions.Verbose), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
            try
            {
                return body(parsed, console);
            }
            catch (Exception caught)
            {
                Exception e = ErrorMapping.Unwrap(caught);
                ErrorKind? kind = ErrorMapping.Classify(e);
                console.StdErr.WriteLine($"error: {ErrorMapping.Describe(e, kind)}");
                if (console.Verbose)
                {
                    console.StdErr.WriteLine(caught.ToString());
                }

                return ErrorMapping.ExitCode(kind);
            }
        });
    }
}
