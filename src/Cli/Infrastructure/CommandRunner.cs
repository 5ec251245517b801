using System.CommandLine;
using System.Runtime.InteropServices;

namespace Pipelines.Cli.Infrastructure;

/// <summary>
/// Parses, dispatches and maps failures to exit codes (<see cref="ErrorMapping"/>): 0 ok, 1 failed, 2 bad usage,
/// 130 cancelled; errors as one line. The first Ctrl+C (SIGINT) or SIGTERM cancels <see cref="CliConsole.Cancellation"/>:
/// long steps (training, featurization, persistence, encodings) stop at their next safe point, training saves its
/// checkpoint, and nothing half-written is left. A second Ctrl+C ends the process at once (outputs are written
/// atomically, so that loses only the work in progress).
/// </summary>
internal static class CommandRunner
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    /// <summary>The exit code of a command stopped by Ctrl+C or SIGTERM (128 + SIGINT, the shell convention).</summary>
    public const int Cancelled = 130;

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs the chosen command.</summary>
    /// <param name="root">The command tree.</param>
    /// <param name="args">The command line.</param>
    /// <param name="stdout">Standard output (tests capture it).</param>
    /// <param name="stderr">Standard error (tests capture it).</param>
    /// <param name="cancellation">Cancels the command as a first Ctrl+C would (tests use it; <see cref="RunProcess"/> adds the signals).</param>
    public static int Invoke(RootCommand root, string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken cancellation = default)
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

        // Signals are handled here, not by System.CommandLine (whose handler ends the process 2 s after Ctrl+C,
        // possibly in the middle of a checkpoint).
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        if (stdout is not null)
        {
            config.Output = stdout;
        }

        config.Error = err;
        return parsed.InvokeAsync(config, cancellation).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs the process's command line with Ctrl+C and SIGTERM wired to <see cref="CliConsole.Cancellation"/>: the
    /// first signal asks the command to stop at its next safe point, a second one ends the process.
    /// </summary>
    public static int RunProcess(RootCommand root, string[] args)
    {
        using var cancel = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            if (cancel.IsCancellationRequested)
            {
                return; // second signal: the default action ends the process
            }

            context.Cancel = true;
            Console.Error.WriteLine();
            Console.Error.WriteLine($"{context.Signal}: stopping at the next safe point (training saves its checkpoint); press Ctrl+C again to end now.");
            cancel.Cancel();
        }

        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        return Invoke(root, args, cancellation: cancel.Token);
    }

    /// <summary>Sets <paramref name="command"/>'s action: runs <paramref name="body"/> and maps exceptions to exit codes.</summary>
    public static void SetHandler(Command command, Func<ParseResult, CliConsole, int> body)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.SetAction((ParseResult parsed, CancellationToken cancellation) =>
        {
            var console = new CliConsole(parsed.GetValue(GlobalOptions.Json), parsed.GetValue(GlobalOptions.Verbose), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, cancellation);
            try
            {
                return Task.FromResult(body(parsed, console));
            }
            catch (Exception caught) when (ErrorMapping.Unwrap(caught) is OperationCanceledException cancelled && cancellation.IsCancellationRequested)
            {
                console.StdErr.WriteLine($"cancelled: {ErrorMapping.Describe(cancelled, ErrorKind.Resource)}");
                return Task.FromResult(Cancelled);
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

                return Task.FromResult(ErrorMapping.ExitCode(kind));
            }
        });
    }
}
