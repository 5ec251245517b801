using System.CommandLine;
using Pipelines.Cli.Commands;
using Pipelines.Cli.Infrastructure;

namespace Pipelines.Cli;

/// <summary>Entry point of the <c>pipelines</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line; exit code 0 ok, 1 failed, 2 bad usage, 130 cancelled (Ctrl+C).</summary>
    public static int Main(string[] args) => CommandRunner.RunProcess(BuildRoot(), args);

    /// <summary>The command tree.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("Pipelines: stable LoRA initializers, SPE graph encodings and persistent-homology features for ML.NET, trained through ONNX Runtime and exported as quantized ONNX.");
        root.Options.Add(GlobalOptions.Json);
        root.Options.Add(GlobalOptions.Verbose);

        // One line per command; each lives in its own file under Commands/.
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(DevicesCommand.Create());
        root.Subcommands.Add(LoraInitCommand.Create());
        root.Subcommands.Add(TopoCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(GraphCommand.Create());
        return root;
    }
}
