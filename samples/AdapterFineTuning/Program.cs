// (d) Adapter fine-tuning: all-MiniLM-L6-v2 with PiSSA adapters (rank 4) and a classification head, trained through
// ONNX Runtime as an ML.NET multiclass trainer — a few steps only, to show the API. The pipeline (label text to key,
// the fine-tuned classifier: Score = class probabilities, PredictedLabel = key) is saved with mlContext.Model.Save; a fresh process loads it and
// predicts with a PredictionEngine. Packages: StabilityPipelines.Trainers, StabilityPipelines.Models.MiniLM.
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines;
using Pipelines.Onnx;
using Pipelines.Trainers.TextClassification;
using Pipelines.Trainers.TextClassification.MLNet;
using Pipelines.Transforms.LowRank;
using Samples;

Review[] reviews =
[
    Review.Of("a wonderful , moving film", "positive"), Review.Of("i loved every minute of it", "positive"),
    Review.Of("great acting and a clever plot", "positive"), Review.Of("one of the best movies this year", "positive"),
    Review.Of("funny , warm and beautifully shot", "positive"), Review.Of("a delight from start to finish", "positive"),
    Review.Of("smart writing and a great cast", "positive"), Review.Of("i would happily watch it again", "positive"),
    Review.Of("a dull , lifeless mess", "negative"), Review.Of("i hated every minute of it", "negative"),
    Review.Of("bad acting and a stupid plot", "negative"), Review.Of("one of the worst movies this year", "negative"),
    Review.Of("boring , cold and badly shot", "negative"), Review.Of("a chore from start to finish", "negative"),
    Review.Of("lazy writing and a weak cast", "negative"), Review.Of("i want those two hours back", "negative"),
];

if (args is ["reload", string folder])
{
    var fresh = new MLContext(seed: 2);
    ITransformer loaded = fresh.Model.Load(Path.Combine(folder, "fine-tuned.zip"), out _);
    // Disposing the engine disposes the loaded model it owns: ML.NET wrote its ONNX graph to a temporary file on Load
    // and deletes that file only on Dispose (finalizers do not run at exit).
    using PredictionEngine<Review, Prediction> engine = fresh.Model.CreatePredictionEngine<Review, Prediction>(loaded);
    Console.WriteLine($"'{reviews[0].Text}' → class key {engine.Predict(reviews[0]).PredictedLabel}");
    return FreshProcess.Check(Path.Combine(folder, "scores.txt"), [.. reviews.SelectMany(r => engine.Predict(r).Values())]);
}

var ml = new MLContext(seed: 1);
PretrainedModelFiles miniLm = PretrainedModels.MiniLm();
IDataView data = ml.Data.LoadFromEnumerable(reviews);
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Review.Sentiment))
    .Append(ml.MulticlassClassification.Trainers.AdapterFineTuning(new AdapterFineTuningOptions
    {
        ModelPath = miniLm.ModelPath,
        VocabPath = miniLm.VocabPath,
        FineTune = new FineTuneOptions
        {
            Method = LowRankMethod.Pissa,
            Rank = 4,
            BatchSize = 8,
            MaxLength = 16,
            MaxSteps = 4,
            LearningRate = 1e-3f,
            Seed = 7,
        },
    }));
ITransformer model = pipeline.Fit(data);

MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
Console.WriteLine($"after 4 steps: training accuracy {metrics.MicroAccuracy:F3}, log-loss {metrics.LogLoss:F3}");

string dir = Directory.CreateTempSubdirectory("fine-tune-sample-").FullName;
ml.Model.Save(model, data.Schema, Path.Combine(dir, "fine-tuned.zip"));
using PredictionEngine<Review, Prediction> predictor = ml.Model.CreatePredictionEngine<Review, Prediction>(model); // disposes the model (and its temporary ONNX file)
FreshProcess.Save(Path.Combine(dir, "scores.txt"), reviews.SelectMany(r => predictor.Predict(r).Values()));
return FreshProcess.Run("reload", dir);

internal sealed class Review
{
    public string Text { get; set; } = "";
    public string Sentiment { get; set; } = "";

    public static Review Of(string text, string sentiment) => new() { Text = text, Sentiment = sentiment };
}

/// <summary>ML.NET's multiclass outputs: the predicted class as a key (1-based) and one probability per class.</summary>
internal sealed class Prediction
{
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];

    public IEnumerable<float> Values() => [PredictedLabel, .. Score];
}
