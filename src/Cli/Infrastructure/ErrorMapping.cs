using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Cli.Infrastructure;

/// <summary>
/// Maps a failure to its <see cref="ErrorKind"/> and exit code: <see cref="ErrorKind.Usage"/> → 2 (change the command
/// line); data, model, device and resource errors → 1 with their message; anything else is a bug, reported as an
/// internal error with the exception type. Wrappers (<see cref="AggregateException"/> with one cause,
/// <see cref="TargetInvocationException"/>, ML.NET's wrapping <see cref="InvalidOperationException"/>s) are looked
/// through so the message that names the file, line or node is the one printed.
/// </summary>
internal static class ErrorMapping
{
    /// <summary>The error a user acts on: the innermost meaningful exception.</summary>
    public static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } a:
                    e = a.InnerExceptions[0];
                    continue;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                case not PipelinesException when e.InnerException is PipelinesException typed:
                    // e.g. ML.NET or ORT wrapping one of ours: ours names the place.
                    e = typed;
                    continue;
                default:
                    return e;
            }
        }
    }

    /// <summary>The kind of <paramref name="e"/> (after <see cref="Unwrap"/>); null for a library check the project has not typed yet.</summary>
    public static ErrorKind? Classify(Exception e) => e switch
    {
        PipelinesException p => p.Kind,
        FormatException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException => ErrorKind.Data,
        OnnxRuntimeException => ErrorKind.Model,
        IOException or UnauthorizedAccessException or OutOfMemoryException or InsufficientExecutionStackException => ErrorKind.Resource,
        OperationCanceledException => ErrorKind.Resource,
        ArgumentException or InvalidOperationException or NotSupportedException => null,
        _ => ErrorKind.Internal,
    };

    /// <summary>The exit code for <paramref name="kind"/>.</summary>
    public static int ExitCode(ErrorKind? kind) => kind == ErrorKind.Usage ? CommandRunner.BadUsage : CommandRunner.Failed;

    /// <summary>The one line printed for <paramref name="e"/> (already unwrapped) of kind <paramref name="kind"/>.</summary>
    public static string Describe(Exception e, ErrorKind? kind)
    {
        string message = e.Message.ReplaceLineEndings(" ").Trim();
        return kind == ErrorKind.Internal ? $"internal error ({e.GetType().Name}): {message}" : message;
    }
}
