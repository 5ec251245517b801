using System.CommandLine;

namespace Pipelines.Cli.Infrastructure;

/// <summary>Options every command accepts.</summary>
internal static class GlobalOptions
{
    /// <summary>Print a machine-readable JSON summary on stdout (human output goes to stderr).</summary>
    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "Print a machine-readable JSON summary on stdout; tables and progress go to stderr.",
        Recursive = true,
    };

    /// <summary>Show stack traces with errors.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Show the stack trace when a command fails.",
        Recursive = true,
    };
}
