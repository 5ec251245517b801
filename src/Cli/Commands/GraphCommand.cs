using System.CommandLine;
using Pipelines.Cli.Infrastructure;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;

namespace Pipelines.Cli.Commands;

/// <summary>The positional encoding chosen on the command line.</summary>
internal enum PeKind
{
    /// <summary>No encoding.</summary>
    None,

    /// <summary>LapPE.</summary>
    Lap,

    /// <summary>RWSE.</summary>
    Rwse,

    /// <summary>SPE.</summary>
    Spe,
}

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

    /// <summary>Maps the CLI choice to the typed encoding option.</summary>
    public static GraphEncoding Encoding(PeKind kind, int k, int seed) => kind switch
    {
        PeKind.Lap => new LapPeEncoding(k),
        PeKind.Rwse => new RwseEncoding(k),
        PeKind.Spe => new SpeEncoding(k, new SpeOptions(EigenvalueFunctions: 8, RhoLayers: 2, RhoHiddenSize: 16, OutputSize: k, Seed: seed)),
        _ => new NoEncoding(),
    };
}

/// <summary>A loaded graph data set: TU folder or SMILES CSV.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Graphs">The graphs (targets set).</param>
/// <param name="NodeTypeCount">Node-type one-hot width.</param>
/// <param name="EdgeTypeCount">Edge-type one-hot width.</param>
/// <param name="ClassCount">Number of classes (0 for regression).</param>
/// <param name="NodeTypeKeys">Atom-type vocabulary (SMILES), or null.</param>
internal sealed record GraphData(string Name, IReadOnlyList<Graph> Graphs, int NodeTypeCount, int EdgeTypeCount, int ClassCount, IReadOnlyList<string>? NodeTypeKeys)
{
    /// <summary>Loads <paramref name="path"/>: a folder is read as TU, a file as a SMILES CSV (with <paramref name="target"/>).</summary>
    public static GraphData Load(string path, string? target, string? smilesColumn)
    {
        if (Directory.Exists(path))
        {
            TuDataset ds = TuDatasetReader.Read(path);
            bool classification = ds.ClassLabels.Count > 0;
            return new GraphData(ds.Name, ds.Graphs, Math.Max(1, ds.NodeTypeCount), Math.Max(1, ds.EdgeTypeCount), classification ? ds.ClassLabels.Count : 0, null);
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"--data '{path}' is neither a TU folder nor a CSV file.");
        }

        if (target is null)
        {
            throw new UsageException("--target is required for a SMILES CSV (the numeric column to predict).");
        }

        IReadOnlyList<SmilesRecord> rows = SmilesCsvReader.Read(path, smilesColumn, target);
        var vocab = AtomTypeVocabulary.Build(rows.Select(r => r.Molecule));
        var graphs = rows.Select(r => vocab.ToGraph(r.Molecule, r.Target, $"{Path.GetFileName(path)}:{r.Line}")).ToList();
        return new GraphData(Path.GetFileNameWithoutExtension(path), graphs, vocab.Count, Enum.GetValues<BondOrder>().Length, 0, vocab.Keys);
    }
}
