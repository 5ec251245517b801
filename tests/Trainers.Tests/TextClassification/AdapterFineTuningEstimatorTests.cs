using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Transforms.LowRank;
using Pipelines.Onnx;
using Pipelines.Testing;
using Pipelines.Trainers.TextClassification;
using Pipelines.Trainers.TextClassification.MLNet;
using Xunit;

namespace Pipelines.Trainers.Tests.TextClassification;

public sealed class AdapterFineTuningEstimatorTests
{
    [Fact]
    public void FlatOverload_TrainsLikeTheOptionsOverloadWithTheDefaults()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        string modelPath = dir.File("tiny.onnx");
        OnnxModelIO.Save(task.Encoder, modelPath);
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(TinyTextTask.Sentences(64, seed: 3).Select(r => new Row { Text = r.Text, Label = r.Label }));

        AdapterFineTuningEstimator flat = ml.MulticlassClassification.Trainers.AdapterFineTuning(modelPath, task.VocabPath, method: LowRankMethod.Lora, rank: 2);
        AdapterFineTuningEstimator full = ml.MulticlassClassification.Trainers.AdapterFineTuning(new AdapterFineTuningOptions
        {
            ModelPath = modelPath,
            VocabPath = task.VocabPath,
            FineTune = new FineTuneOptions { Method = LowRankMethod.Lora, Rank = 2 },
        });
        using var flatModel = flat.Fit(train) as IDisposable;
        using var fullModel = full.Fit(train) as IDisposable;

        Assert.Equal(full.LastResult!.TrainableParameters, flat.LastResult!.TrainableParameters);
        Assert.Equal(full.LastResult.Losses, flat.LastResult.Losses);
        Assert.Equal(2, flat.LastResult.Losses.Count); // 64 rows, default batch 32, default 1 epoch
    }

    [Fact]
    public void FitPredictsAndSaveLoadGivesIdenticalScores()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        string modelPath = dir.File("tiny.onnx");
        OnnxModelIO.Save(task.Encoder, modelPath);
        var ml = new MLContext(seed: 1);
        IDataView train = ml.Data.LoadFromEnumerable(TinyTextTask.Sentences(96, seed: 1).Select(r => new Row { Text = r.Text, Label = r.Label }));
        IDataView test = ml.Data.LoadFromEnumerable(TinyTextTask.Sentences(32, seed: 2).Select(r => new Row { Text = r.Text, Label = r.Label }));

        AdapterFineTuningEstimator estimator = ml.MulticlassClassification.Trainers.AdapterFineTuning(new AdapterFineTuningOptions
        {
            ModelPath = modelPath,
            VocabPath = task.VocabPath,
            FineTune = new FineTuneOptions
            {
                Method = LowRankMethod.Pissa,
                Rank = 2,
                LearningRate = 5e-2f,
                BatchSize = 16,
                MaxLength = 8,
                MaxSteps = 40,
                Schedule = FineTuneSchedule.Constant,
                Seed = 11,
            },
        });
        ITransformer model = estimator.Fit(train);
        using var modelOwner = model as IDisposable; // ML.NET's ApplyOnnxModel step keeps a temporary model file until disposed
        Assert.NotNull(estimator.LastResult);

        (float[][] scores, long[] predicted) = Predict(model.Transform(test));
        int[] labels = ml.Data.CreateEnumerable<Row>(test, reuseRowObject: false).Select(r => r.Label).ToArray();
        double accuracy = predicted.Zip(labels, (p, y) => p == y ? 1.0 : 0.0).Average();
        Assert.True(accuracy >= 0.9, $"accuracy {accuracy}");

        string zip = dir.File("model.zip");
        ml.Model.Save(model, train.Schema, zip);
        var fresh = new MLContext(seed: 2);
        ITransformer loaded = fresh.Model.Load(zip, out _);
        using var loadedOwner = loaded as IDisposable;
        (float[][] reloaded, long[] predictedAgain) = Predict(loaded.Transform(test));
        Assert.Equal(predicted, predictedAgain);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.Equal(scores[i], reloaded[i]);
        }

        // A fresh process without the tiny vocabulary: a loud error naming the tokenizer, never MiniLM's ids.
        TokenizationMapping.ClearRegistry();
        ITransformer orphan = new MLContext(seed: 3).Model.Load(zip, out _);
        using var orphanOwner = orphan as IDisposable;
        Exception error = Assert.ThrowsAny<Exception>(() => Predict(orphan.Transform(test)));
        string messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains("not registered", messages, StringComparison.Ordinal);
        Assert.Contains(TextEncoderTokenizer.FromVocab(task.VocabPath, 8).Fingerprint, messages, StringComparison.Ordinal);

        TokenizationMapping.Register(TextEncoderTokenizer.FromVocab(task.VocabPath, 8));
        ITransformer again = new MLContext(seed: 4).Model.Load(zip, out _);
        using var againOwner = again as IDisposable;
        (float[][] registered, _) = Predict(again.Transform(test));
        Assert.Equal(scores.Length, registered.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.Equal(scores[i], registered[i]);
        }
    }

    [Fact]
    public void FingerprintSeparatesVocabularyLengthAndCasing()
    {
        using var task = new TinyTextTask();
        string a = TextEncoderTokenizer.FromVocab(task.VocabPath, 8).Fingerprint;
        Assert.Equal(a, TextEncoderTokenizer.FromVocab(task.VocabPath, 8).Fingerprint);
        Assert.NotEqual(a, TextEncoderTokenizer.FromVocab(task.VocabPath, 9).Fingerprint);
        Assert.NotEqual(a, TextEncoderTokenizer.FromVocab(task.VocabPath, 8, lowerCase: false).Fingerprint);
        using var dir = new TempDirectory();
        string other = dir.File("vocab.txt");
        File.WriteAllLines(other, File.ReadAllLines(task.VocabPath).Append("extra"));
        Assert.NotEqual(a, TextEncoderTokenizer.FromVocab(other, 8).Fingerprint);
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    [Fact]
    public void MissingTextColumnIsNamed()
    {
        using var task = new TinyTextTask();
        var ml = new MLContext();
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new Row { Text = "good", Label = 1 } });
        AdapterFineTuningEstimator estimator = ml.MulticlassClassification.Trainers.AdapterFineTuning(new AdapterFineTuningOptions
        {
            ModelPath = "unused.onnx",
            VocabPath = task.VocabPath,
            TextColumnName = "Sentence",
        });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains("'Sentence'", ex.Message, StringComparison.Ordinal);
    }

    private static (float[][] Scores, long[] Predicted) Predict(IDataView scored)
    {
        var scores = new List<float[]>();
        var predicted = new List<long>();
        DataViewSchema.Column score = scored.Schema[AdapterFineTuningEstimator.ScoreColumn];
        DataViewSchema.Column label = scored.Schema[AdapterFineTuningEstimator.PredictedLabelColumn];
        using DataViewRowCursor cursor = scored.GetRowCursor([score, label]);
        ValueGetter<VBuffer<float>> getScore = cursor.GetGetter<VBuffer<float>>(score);
        ValueGetter<uint> getLabel = cursor.GetGetter<uint>(label);
        VBuffer<float> s = default;
        uint key = 0;
        while (cursor.MoveNext())
        {
            getScore(ref s);
            getLabel(ref key);
            scores.Add(s.DenseValues().ToArray());
            predicted.Add(key - 1L); // key k is class k − 1
        }

        return (scores.ToArray(), predicted.ToArray());
    }

    private sealed class Row
    {
        public string Text { get; set; } = "";

        public int Label { get; set; }
    }

    private static AdapterFineTuningEstimator WorkoutEstimator(MLContext ml, TinyTextTask task, TempDirectory dir, int steps = 2, bool binary = false)
    {
        string modelPath = dir.File("tiny.onnx");
        OnnxModelIO.Save(task.Encoder, modelPath);
        var options = new AdapterFineTuningOptions
        {
            ModelPath = modelPath,
            VocabPath = task.VocabPath,
            FineTune = new FineTuneOptions { Method = LowRankMethod.Pissa, Rank = 2, BatchSize = 8, MaxLength = 8, MaxSteps = steps, Seed = 11 },
        };
        return binary ? ml.BinaryClassification.Trainers.AdapterFineTuning(options) : ml.MulticlassClassification.Trainers.AdapterFineTuning(options);
    }

    private static IDataView WorkoutBinaryData(MLContext ml) =>
        ml.Data.LoadFromEnumerable(TinyTextTask.Sentences(16, seed: 1).Select(r => new BinaryRow { Text = r.Text, Label = r.Label == 1 }).ToList());

    private sealed class BinaryRow
    {
        public string Text { get; set; } = "";

        public bool Label { get; set; }
    }

    private static IDataView WorkoutData(MLContext ml) =>
        ml.Data.LoadFromEnumerable(TinyTextTask.Sentences(16, seed: 1).Select(r => new Row { Text = r.Text, Label = r.Label }).ToList());

    [Fact]
    public void Workout_SchemasAgree()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        using var fitted = EstimatorWorkout.CheckSchemas(WorkoutEstimator(ml, task, dir), WorkoutData(ml)) as IDisposable;
    }

    [Fact]
    public void Workout_InvalidInputFailsNamingTheColumn()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckInvalidInput(WorkoutEstimator(ml, task, dir), ml.Data.LoadFromEnumerable(new[] { new NumericTextRow { Text = 1f, Label = 0 } }), "Text");
        EstimatorWorkout.CheckInvalidInput(WorkoutEstimator(ml, task, dir), ml.Data.LoadFromEnumerable(new[] { new UnlabeledRow { Text = "good" } }), "Label");
    }

    [Fact]
    [WorkoutCovers(typeof(AdapterFineTuningEstimator))]
    public void Workout_ModelSaveLoadAndPredictionEngineGiveIdenticalOutput()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        IDataView data = WorkoutData(ml);
        EstimatorWorkout.CheckMlNetConventions<Row>(WorkoutEstimator(ml, task, dir).Fit(data), data);
        IDataView binary = WorkoutBinaryData(ml);
        EstimatorWorkout.CheckMlNetConventions<BinaryRow>(WorkoutEstimator(ml, task, dir, binary: true).Fit(binary), binary);
    }

    [Fact]
    public void Outputs_FitMlNetsMulticlassAndBinaryEvaluators()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        IDataView data = WorkoutData(ml);
        ITransformer model = WorkoutEstimator(ml, task, dir, steps: 20).Fit(data);
        using var modelOwner = model as IDisposable;
        IDataView scored = model.Transform(data);
        Assert.Equal(new KeyDataViewType(typeof(uint), 2), scored.Schema[AdapterFineTuningEstimator.PredictedLabelColumn].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 2), scored.Schema[AdapterFineTuningEstimator.ScoreColumn].Type);
        IDataView floatLabels = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single).Fit(scored).Transform(scored);
        MulticlassClassificationMetrics multi = ml.MulticlassClassification.Evaluate(floatLabels);
        Assert.InRange(multi.MicroAccuracy, 0.0, 1.0);
        Assert.Equal(2, multi.ConfusionMatrix.NumberOfClasses);
        (_, long[] predicted) = Predict(scored);
        int[] labels = ml.Data.CreateEnumerable<Row>(data, reuseRowObject: false).Select(r => r.Label).ToArray();
        Assert.Equal(predicted.Zip(labels, (p, y) => p == y ? 1.0 : 0.0).Average(), multi.MicroAccuracy, 6);

        IDataView binary = WorkoutBinaryData(ml);
        ITransformer binaryModel = WorkoutEstimator(ml, task, dir, steps: 20, binary: true).Fit(binary);
        using var binaryOwner = binaryModel as IDisposable;
        IDataView binaryScored = binaryModel.Transform(binary);
        Assert.Equal(BooleanDataViewType.Instance, binaryScored.Schema[AdapterFineTuningEstimator.PredictedLabelColumn].Type);
        CalibratedBinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(binaryScored);
        Assert.InRange(metrics.Accuracy, 0.0, 1.0);
        Assert.InRange(metrics.AreaUnderRocCurve, 0.0, 1.0);
        float[] margins = binaryScored.GetColumn<float>(AdapterFineTuningEstimator.ScoreColumn).ToArray();
        float[] probabilities = binaryScored.GetColumn<float>(AdapterFineTuningEstimator.ProbabilityColumn).ToArray();
        bool[] positive = binaryScored.GetColumn<bool>(AdapterFineTuningEstimator.PredictedLabelColumn).ToArray();
        for (int i = 0; i < margins.Length; i++)
        {
            Assert.Equal(1 / (1 + Math.Exp(-margins[i])), probabilities[i], 5);
            Assert.Equal(margins[i] > 0, positive[i]);
        }
    }

    [Fact]
    public void EmbeddedVocabulary_LoadsInAFreshProcessWithoutRegistration_AndProgressReportsEpochs()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        string modelPath = dir.File("tiny.onnx");
        OnnxModelIO.Save(task.Encoder, modelPath);
        var ml = new MLContext(seed: 1);
        IDataView data = WorkoutData(ml);
        var epochs = new List<EpochReport>();
        AdapterFineTuningEstimator estimator = ml.MulticlassClassification.Trainers.AdapterFineTuning(new AdapterFineTuningOptions
        {
            ModelPath = modelPath,
            VocabPath = task.VocabPath,
            EmbedVocabulary = true,
            Progress = new ListProgress<EpochReport>(epochs),
            FineTune = new FineTuneOptions { Method = LowRankMethod.Lora, Rank = 2, BatchSize = 8, MaxLength = 8, Epochs = 2, Seed = 11 },
        });
        ITransformer model = estimator.Fit(data);
        using var modelOwner = model as IDisposable;
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        (float[][] scores, long[] predicted) = Predict(model.Transform(data));
        string zip = dir.File("model.zip");
        ml.Model.SaveAtomically(model, data.Schema, zip);

        // A fresh process: nothing registered, the vocabulary file gone.
        TokenizationMapping.ClearRegistry();
        File.Delete(task.VocabPath);
        ITransformer loaded = new MLContext(seed: 5).Model.Load(zip, out _);
        using var loadedOwner = loaded as IDisposable;
        (float[][] reloaded, long[] predictedAgain) = Predict(loaded.Transform(data));
        Assert.Equal(predicted, predictedAgain);
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.Equal(scores[i], reloaded[i]);
        }
    }

    private sealed class ListProgress<T>(List<T> sink) : IProgress<T>
    {
        public void Report(T value) => sink.Add(value);
    }

    [Fact]
    public void Binary_RefusesMoreThanTwoClasses()
    {
        using var task = new TinyTextTask();
        var ml = new MLContext();
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.AdapterFineTuning(new AdapterFineTuningOptions
        {
            ModelPath = "unused.onnx",
            VocabPath = task.VocabPath,
            FineTune = new FineTuneOptions { ClassCount = 3 },
        }));
    }

    private sealed class NumericTextRow
    {
        public float Text { get; set; }

        public int Label { get; set; }
    }

    private sealed class UnlabeledRow
    {
        public string Text { get; set; } = "";
    }
}
