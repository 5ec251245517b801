// (b) Hilbert signed-measure features of point clouds (persistent homology of a Rips–codensity bifiltration) feeding
// ML.NET's FastTree: circles (one loop) against filled disks (none). The whole pipeline is saved with
// mlContext.Model.Save; a fresh process loads it and predicts row by row with a PredictionEngine.
// Packages: StabilityPipelines.Transforms, Microsoft.ML.FastTree.
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines;
using Pipelines.Transforms.Topology;
using Samples;

var ml = new MLContext(seed: 1);
List<Cloud> test = Cloud.Make(20, seed: 7);

if (args is ["reload", string folder])
{
    // The scoring app: load the pipeline, predict one cloud at a time.
    var fresh = new MLContext(seed: 2);
    ITransformer loaded = fresh.Model.Load(Path.Combine(folder, "topology-fasttree.zip"), out _);
    using PredictionEngine<Cloud, Prediction> engine = fresh.Model.CreatePredictionEngine<Cloud, Prediction>(loaded); // disposes the loaded model (and its temporary ONNX file)
    return FreshProcess.Check(Path.Combine(folder, "scores.txt"), [.. test.Select(c => engine.Predict(c).Score)]);
}

IDataView train = ml.Data.LoadFromEnumerable(Cloud.Make(60, seed: 3));
var pipeline = ml.Transforms.Topology.SignedMeasure(new SignedMeasureOptions
    {
        InputColumnName = "Points",
        OutputColumnName = "Features",
        Input = new PointCloudInput(PointDimension: 2),
        Invariant = SignedMeasureInvariant.Hilbert,
        Vectorizer = SignedMeasureVectorizer.Convolution,
        GridResolution = 12,
        OutputResolution = 6,
    })
    .AppendCacheCheckpoint(ml)                                     // features are computed once, not on every tree pass
    .Append(ml.BinaryClassification.Trainers.FastTree(numberOfLeaves: 4, numberOfTrees: 20, minimumExampleCountPerLeaf: 2));
ITransformer model = pipeline.Fit(train);
using var modelOwner = model as IDisposable; // the signed-measure step builds an ONNX scoring chain on Save; dispose releases it

IDataView scored = model.Transform(ml.Data.LoadFromEnumerable(test));
CalibratedBinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(scored);
Console.WriteLine($"FastTree on signed-measure features: accuracy {metrics.Accuracy:F3}, AUC {metrics.AreaUnderRocCurve:F3}");

string dir = Directory.CreateTempSubdirectory("topology-sample-").FullName;
ml.Model.Save(model, train.Schema, Path.Combine(dir, "topology-fasttree.zip"));
FreshProcess.Save(Path.Combine(dir, "scores.txt"), scored.GetColumn<float>("Score"));
return FreshProcess.Run("reload", dir);

/// <summary>A 2-D point cloud, flattened (x0, y0, x1, y1, …); label true for a circle.</summary>
internal sealed class Cloud
{
    [VectorType] public float[] Points { get; set; } = [];
    public bool Label { get; set; }

    public static List<Cloud> Make(int count, int seed)
    {
        var rng = new Random(seed);
        var clouds = new List<Cloud>();
        for (int r = 0; r < count; r++)
        {
            bool circle = r % 2 == 0;
            int n = 30 + rng.Next(15);
            var p = new float[2 * n];
            for (int i = 0; i < n; i++)
            {
                double t = rng.NextDouble() * 2 * Math.PI;
                double radius = circle ? 1 + (0.05 * rng.NextDouble()) : Math.Sqrt(rng.NextDouble());
                p[2 * i] = (float)(radius * Math.Cos(t));
                p[(2 * i) + 1] = (float)(radius * Math.Sin(t));
            }

            clouds.Add(new Cloud { Points = p, Label = circle });
        }

        return clouds;
    }
}

internal sealed class Prediction
{
    public bool PredictedLabel { get; set; }
    public float Score { get; set; }
}
