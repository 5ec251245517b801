using System.CommandLine;

namespace Pipelines.Cli.Commands;

/// <summary><c>pipelines graph</c>: graph learning with SPE/LapPE/RWSE encodings (<c>train</c>, <c>encode</c>).</summary>
internal static class GraphCommand
{
    public static Command Create()
    {
        var command = new Command("graph", "Graph learning: train a GINE model with SPE/LapPE/RWSE positional encodings, or write encodings.");
        command.Subcommands.Add(GraphTrainCommand.Create());
        command.Subcommands.Add(GraphEncodeCommand.Create());
        return command;
    }

    /// <summary>Checks that <paramref name="path"/> names a TU folder or a file (a command-line mistake otherwise).</summary>
    public static void CheckDataPath(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            throw new Infrastructure.UsageException($"--data '{path}' is neither a TU folder nor a CSV file.");
        }
    }
}
