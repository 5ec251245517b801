using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.TextClassification;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.LowRank;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Testing;

/// <summary>
/// One input kind of the fuzz suite: <see cref="Make"/> derives the case of a seed from a small valid input, and
/// <see cref="Read"/> writes it under the work folder and reads it with the project's reader(s).
/// </summary>
/// <param name="Name">The kind, e.g. <c>smiles csv</c>.</param>
/// <param name="Make">The case of a seed.</param>
/// <param name="Read">Writes and reads one case; success or a typed <see cref="PipelinesException"/> expected.</param>
public sealed record FuzzKind(string Name, Func<int, FuzzCase> Make, Action<FuzzCase> Read)
{
    /// <summary>The cases of seeds <paramref name="firstSeed"/> … <paramref name="firstSeed"/> + count − 1.</summary>
    public IEnumerable<FuzzCase> Corpus(int count, int firstSeed = 1) => Enumerable.Range(firstSeed, count).Select(Make);
}

/// <summary>The input kinds of the fuzz suite (used by the tests and by <c>benchmarks/Fuzz</c>).</summary>
public static class FuzzKinds
{
    /// <summary>The names, in order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["tu folder", "smiles csv", "sentence file", "point csv", "ucr tsv", "safetensors", "checkpoint", "onnx model"];

    /// <summary>The kind called <paramref name="name"/>, writing its cases under <paramref name="workDirectory"/>.</summary>
    public static FuzzKind Get(string name, string workDirectory)
    {
        ArgumentNullException.ThrowIfNull(name);
        string File(string extension) => Path.Combine(workDirectory, $"m{Guid.NewGuid():N}{extension}");
        void Write(string path, byte[] bytes) => System.IO.File.WriteAllBytes(path, bytes);
        return name switch
        {
            "tu folder" => TuFolder(workDirectory),
            "smiles csv" => Text(name, SmilesCsv(), c =>
            {
                string p = File(".csv");
                Write(p, c.Bytes);
                GraphDataset.Load(p);
            }),
            "sentence file" => Text(name, Sentences(), c =>
            {
                string p = File(".txt");
                Write(p, c.Bytes);
                Sst2Reader.Read(p);
            }),
            "point csv" => Text(name, PointCsv(), c =>
            {
                string p = File(".csv");
                Write(p, c.Bytes);
                PointCloudReader.Read(p);
                TopologyDataset.Load(p, pointsPerCloud: 8);
            }),
            "ucr tsv" => Text(name, UcrTsv(), c =>
            {
                string p = File(".tsv");
                Write(p, c.Bytes);
                TopologyDataset.Load(p);
            }),
            "safetensors" => new FuzzKind(name, seed => Fuzz.Mutate(SafeTensors(workDirectory), seed), c =>
            {
                string p = File(".safetensors");
                Write(p, c.Bytes);
                SafeTensorsFile.Read(p);
            }),
            "checkpoint" => Checkpoint(workDirectory),
            "onnx model" => new FuzzKind(name, seed => Fuzz.Mutate(OnnxModelIO.ToBytes(TinyModels.Mlp(1)), seed), c =>
            {
                // what `inspect --validate` does: decode, validate, summarise the weights
                string p = File(".onnx");
                Write(p, c.Bytes);
                OnnxModel model = OnnxModelIO.Load(p);
                OnnxModelValidator.Validate(model, p);
                ModelSummary.Create(model);
            }),
            _ => throw new ArgumentException($"Unknown fuzz kind '{name}'.", nameof(name)),
        };
    }

    /// <summary>A small valid SMILES CSV.</summary>
    public static byte[] SmilesCsv() => Encoding.UTF8.GetBytes(
        "smiles,label\nCCO,1\nc1ccccc1,0\nCC(=O)O,1\nC1CC1N,0\n[NH4+],1\nO=C=O,0\nCC#N,1\nClC(Cl)Cl,0\n");

    /// <summary>A small valid sentence file (label, space, sentence).</summary>
    public static byte[] Sentences() => Encoding.UTF8.GetBytes(
        "1 a gripping , funny and touching film .\n0 the plot is thin and the jokes fall flat .\n1 one of the year 's best .\n0 tedious .\n");

    /// <summary>Three labelled clouds of eight 2-D points (<c>x,y,label</c>).</summary>
    public static byte[] PointCsv()
    {
        var sb = new StringBuilder();
        var rng = new Random(7);
        for (int i = 0; i < 24; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{rng.NextDouble():F3},{rng.NextDouble():F3},{i / 8}\n");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Four labelled series of 24 values, tab-separated.</summary>
    public static byte[] UcrTsv()
    {
        var sb = new StringBuilder();
        var rng = new Random(9);
        for (int i = 0; i < 4; i++)
        {
            sb.Append(i % 2);
            for (int t = 0; t < 24; t++)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\t{Math.Sin(t / 3.0) + rng.NextDouble():F3}");
            }

            sb.Append('\n');
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>A TU folder (a path and a triangle) as file name → bytes.</summary>
    public static Dictionary<string, byte[]> TuFiles() => new(StringComparer.Ordinal)
    {
        ["DS_A.txt"] = Encoding.UTF8.GetBytes("1, 2\n2, 1\n2, 3\n3, 2\n4, 5\n5, 4\n5, 6\n6, 5\n6, 4\n4, 6\n"),
        ["DS_graph_indicator.txt"] = Encoding.UTF8.GetBytes("1\n1\n1\n2\n2\n2\n"),
        ["DS_graph_labels.txt"] = Encoding.UTF8.GetBytes("0\n1\n"),
        ["DS_node_labels.txt"] = Encoding.UTF8.GetBytes("0\n1\n0\n2\n2\n1\n"),
    };

    /// <summary>The two peft-keyed tensors of a rank-2 adapter.</summary>
    public static List<KeyValuePair<string, Matrix>> AdapterTensors() =>
    [
        new("base_model.model.node.fc1.lora_A.weight", new Matrix(2, 3, [1, 2, 3, 4, 5, 6])),
        new("base_model.model.node.fc1.lora_B.weight", new Matrix(4, 2, [1, -1, 2, -2, 3, -3, 4, -4])),
    ];

    private static FuzzKind Text(string name, byte[] original, Action<FuzzCase> read) =>
        new(name, seed => Fuzz.Mutate(original, seed, text: true), read);

    private static byte[] SafeTensors(string workDirectory)
    {
        string path = Path.Combine(workDirectory, "original.safetensors");
        if (!File.Exists(path))
        {
            SafeTensorsFile.Write(path, AdapterTensors(), new Dictionary<string, string> { ["format"] = "pt" });
        }

        return File.ReadAllBytes(path);
    }

    // Each case mutates one file of the folder (seed mod 4); the case's label starts with that file's name.
    private static FuzzKind TuFolder(string workDirectory)
    {
        Dictionary<string, byte[]> files = TuFiles();
        string[] names = [.. files.Keys.Order(StringComparer.Ordinal)];
        return new FuzzKind(
            "tu folder",
            seed =>
            {
                string file = names[seed % names.Length];
                FuzzCase c = Fuzz.Mutate(files[file], seed, text: true);
                return c with { Mutation = $"{file}: {c.Mutation}" };
            },
            c =>
            {
                string folder = Path.Combine(workDirectory, $"tu{Guid.NewGuid():N}", "DS");
                Directory.CreateDirectory(folder);
                string mutated = c.Mutation[..c.Mutation.IndexOf(':', StringComparison.Ordinal)];
                foreach (string name in names)
                {
                    File.WriteAllBytes(Path.Combine(folder, name), name == mutated ? c.Bytes : files[name]);
                }

                GraphDataset.Load(folder);
                TopologyDataset.Load(folder);
            });
    }

    // Odd seeds mutate the file as is (the SHA-256 stops them); even seeds mutate the body and recompute the hash, so
    // that the parser itself meets bad counts, ranks, dims and lengths.
    private static FuzzKind Checkpoint(string workDirectory)
    {
        string path = Path.Combine(workDirectory, "original.ckpt");
        var state = new List<OnnxTensor>
        {
            new("w", TensorElementType.Float, [2, 3], new byte[24]),
            new("step", TensorElementType.Int64, [1], BitConverter.GetBytes(7L)),
        };
        CheckpointFile.Save(new TrainingCheckpoint(7, 42, state, new Dictionary<string, string> { ["task"] = "text", ["lr"] = "0.001" }), path);
        byte[] original = File.ReadAllBytes(path);
        byte[] body = original[..^32];
        return new FuzzKind(
            "checkpoint",
            seed =>
            {
                if (seed % 2 == 1)
                {
                    return Fuzz.Mutate(original, seed);
                }

                FuzzCase c = Fuzz.Mutate(body, seed);
                return c with { Bytes = [.. c.Bytes, .. SHA256.HashData(c.Bytes)], Mutation = c.Mutation + " rehashed" };
            },
            c =>
            {
                string p = Path.Combine(workDirectory, $"m{Guid.NewGuid():N}.ckpt");
                File.WriteAllBytes(p, c.Bytes);
                CheckpointFile.Load(p);
            });
    }
}
