// (c) A GINE graph network with SPE positional encodings (stable, permutation-equivariant eigenvector features) trained
// as an ML.NET binary classifier on a TU data set — the format of MUTAG, NCI1, PROTEINS. Pass a TU folder (for example
// MUTAG from https://chrsmrrs.github.io/datasets/) to use it; without one the sample writes a small MUTAG-like set
// (rings with a nitro-like branch against chains, 3 atom types, 2 bond types) in the same format and reads it back.
// The model is saved with mlContext.Model.Save; a fresh process loads it and predicts with a PredictionEngine.
// Package: StabilityPipelines.Trainers (brings Transforms, Onnx, Numerics and the CPU ONNX Runtime).
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines;
using Pipelines.Trainers.Graphs;
using Pipelines.Trainers.Graphs.MLNet;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;
using Samples;

if (args is ["reload", string folder, string data])
{
    var fresh = new MLContext(seed: 2);
    ITransformer loaded = fresh.Model.Load(Path.Combine(folder, "gine-spe.zip"), out _);
    using PredictionEngine<Molecule, Prediction> engine = fresh.Model.CreatePredictionEngine<Molecule, Prediction>(loaded); // disposes the loaded model (and its temporary ONNX file)
    return FreshProcess.Check(Path.Combine(folder, "scores.txt"), [.. Molecule.Read(data).Select(m => engine.Predict(m).Score)]);
}

string dir = Directory.CreateTempSubdirectory("graph-sample-").FullName;
string tu = args.Length > 0 ? args[0] : ToyTu.Write(Path.Combine(dir, "TOY"), graphs: 120, seed: 5);
List<Molecule> molecules = Molecule.Read(tu);
var ml = new MLContext(seed: 1);
IDataView train = ml.Data.LoadFromEnumerable(molecules.Where((_, i) => i % 5 != 0));
IDataView test = ml.Data.LoadFromEnumerable(molecules.Where((_, i) => i % 5 == 0));

GineEstimator gine = ml.BinaryClassification.Trainers.Gine(new GineTrainerOptions
{
    Encoding = new SpeEncoding(K: 8, new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 16, OutputSize: 8)),
    Backbone = new GineOptions(HiddenSize: 32, Layers: 3, Pooling: GraphPooling.Sum, HeadHiddenSize: 32),
    Epochs = 15,
    BatchSize = 16,
    LearningRate = 1e-2f,
    WarmupSteps = 5,
    Batching = GraphBatching.SizeBucketed,
});
GineTransformer model = gine.Fit(train);
IDataView scored = model.Transform(test);
CalibratedBinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(scored);
Console.WriteLine($"GINE + SPE on {Path.GetFileName(tu)}: test accuracy {metrics.Accuracy:F3}, AUC {metrics.AreaUnderRocCurve:F3}");

ml.Model.Save(model, train.Schema, Path.Combine(dir, "gine-spe.zip"));
using PredictionEngine<Molecule, Prediction> predictor = ml.Model.CreatePredictionEngine<Molecule, Prediction>(model); // disposes the model (and its temporary ONNX file)
FreshProcess.Save(Path.Combine(dir, "scores.txt"), molecules.Select(m => predictor.Predict(m).Score));
return FreshProcess.Run("reload", dir, tu);

/// <summary>One graph of the data set and its class (true for the data set's second class label).</summary>
internal sealed class Molecule
{
    public Graph? Graph { get; set; }
    public bool Label { get; set; }

    public static List<Molecule> Read(string folder) =>
        [.. TuDatasetReader.Read(folder).Graphs.Select(g => new Molecule { Graph = g, Label = g.Target == 1 })];
}

internal sealed class Prediction
{
    public bool PredictedLabel { get; set; }
    public float Score { get; set; }
}

/// <summary>Writes a small two-class graph data set in the TU format (1-based node ids, one line per fact).</summary>
internal static class ToyTu
{
    public static string Write(string folder, int graphs, int seed)
    {
        Directory.CreateDirectory(folder);
        string name = Path.GetFileName(folder);
        var rng = new Random(seed);
        var edges = new List<string>();
        var edgeLabels = new List<string>();
        var indicator = new List<string>();
        var nodeLabels = new List<string>();
        var graphLabels = new List<string>();
        int offset = 0;
        for (int g = 0; g < graphs; g++)
        {
            bool ring = g % 2 == 0;
            int n = rng.Next(8, 16);
            var pairs = new List<(int, int)>();
            for (int i = 0; i + 1 < n; i++)
            {
                pairs.Add((i, i + 1));
            }

            if (ring)
            {
                pairs.Add((0, 5));                                   // a six-ring
                pairs.Add((n - 1, rng.Next(1, n - 2)));               // and a branch back into the chain
            }

            for (int i = 0; i < n; i++)
            {
                indicator.Add($"{g + 1}");
                nodeLabels.Add($"{(ring && i < 6 ? 0 : rng.Next(3))}");
            }

            foreach ((int a, int b) in pairs)
            {
                int type = rng.Next(2);
                edges.Add($"{offset + a + 1}, {offset + b + 1}");
                edges.Add($"{offset + b + 1}, {offset + a + 1}");
                edgeLabels.Add($"{type}");
                edgeLabels.Add($"{type}");
            }

            graphLabels.Add(ring ? "1" : "-1");
            offset += n;
        }

        File.WriteAllLines(Path.Combine(folder, $"{name}_A.txt"), edges);
        File.WriteAllLines(Path.Combine(folder, $"{name}_edge_labels.txt"), edgeLabels);
        File.WriteAllLines(Path.Combine(folder, $"{name}_graph_indicator.txt"), indicator);
        File.WriteAllLines(Path.Combine(folder, $"{name}_node_labels.txt"), nodeLabels);
        File.WriteAllLines(Path.Combine(folder, $"{name}_graph_labels.txt"), graphLabels);
        return folder;
    }
}
