using System.Diagnostics;
using Pipelines.Transforms.LowRank;
using Pipelines.Cli.Plots;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.TextClassification;
using Spectre.Console;

namespace Pipelines.Cli.Demo;

/// <summary>
/// Fine-tuning stage: PiSSA adapters (rank 4 on all 36 linear weights) on all-MiniLM-L6-v2 with a
/// pooled linear head, trained through ONNX Runtime on sentiment sentences the stage writes itself from templates;
/// held-out sentences use adjectives never seen in training, so the accuracy shows the pretrained encoder at work.
/// </summary>
internal sealed class FineTuneDemoStage : IDemoStage
{
    private static readonly string[] s_templates = ["the film is {0}", "a {0} story", "what a {0} performance", "the acting was {0}", "{0} from start to finish", "an utterly {0} movie"];
    private static readonly string[] s_positiveTrain = ["great", "wonderful", "excellent", "delightful"];
    private static readonly string[] s_negativeTrain = ["awful", "terrible", "boring", "dreadful"];
    private static readonly string[] s_positiveTest = ["superb", "charming", "brilliant", "lovely"];
    private static readonly string[] s_negativeTest = ["dull", "tedious", "lifeless", "horrible"];

    public string Name => "finetune";

    public string Description => "PiSSA-adapt MiniLM and train a sentiment head through ONNX Runtime on generated sentences; loss curve and held-out accuracy.";

    public object Run(DemoContext context)
    {
        IAnsiConsole c = context.Console.Human;
        var watch = Stopwatch.StartNew();
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        OnnxModel encoder = OnnxModelIO.Load(files.ModelPath);
        var options = new FineTuneOptions
        {
            Method = LowRankMethod.Pissa,
            Rank = 4,
            LearningRate = 1e-3f,
            HeadLearningRate = 1e-2f,
            BatchSize = 8,
            MaxLength = 16,
            MaxSteps = 24,
            Schedule = FineTuneSchedule.Linear,
            Seed = context.Seed,
        };
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(files.VocabPath, options.MaxLength);
        IReadOnlyList<LabeledSentence> train = Sentences(s_positiveTrain, s_negativeTrain);
        IReadOnlyList<LabeledSentence> test = Sentences(s_positiveTest, s_negativeTest);
        ClassificationMetrics before = TextClassifierEvaluator.Evaluate(ClassifierGraph.AddHead(encoder, FineTuneModels.HeadOptions(options)), tokenizer, test);

        FineTuneResult result = TextClassifierFineTuning.Train(encoder, tokenizer, train, test, options);
        string png = Path.Combine(context.WorkDirectory, "finetune-loss.png");
        TrainingCurves.WriteStepLoss(png, result.Losses, "PiSSA r4 on MiniLM: generated sentiment sentences", result.Validation?.MeanLoss);
        ClassificationMetrics after = result.Validation!;
        c.MarkupLine($"{train.Count} training / {test.Count} held-out sentences (unseen adjectives); {result.Losses.Count} steps, {result.TrainableParameters:N0} trainable parameters");
        c.MarkupLine($"loss {result.Losses[0]:F3} → {result.Losses[^1]:F3}; held-out accuracy {before.Accuracy:P0} (untrained head) → [bold]{after.Accuracy:P0}[/]; loss curve {Markup.Escape(png)}");
        // the same run with the frozen encoder's MatMuls on int8 weights and dynamically quantized activations
        FineTuneResult int8 = TextClassifierFineTuning.Train(encoder, tokenizer, train, test, options with { FrozenPrecision = FrozenWeightPrecision.Int8 });
        c.MarkupLine($"int8 frozen weights (--frozen-precision int8): loss {int8.Losses[0]:F3} → {int8.Losses[^1]:F3}; held-out accuracy [bold]{int8.Validation!.Accuracy:P0}[/]; train {int8.TrainingSeconds:F1} s vs float32 {result.TrainingSeconds:F1} s");
        if (!(result.Losses.TakeLast(4).Average() < result.Losses.Take(4).Average()))
        {
            throw new InvalidOperationException($"Fine-tuning did not lower the loss ({result.Losses[0]:F3} → {result.Losses[^1]:F3}).");
        }

        return new
        {
            Steps = result.Losses.Count,
            FirstLoss = result.Losses[0],
            LastLoss = result.Losses[^1],
            AccuracyBefore = before.Accuracy,
            AccuracyAfter = after.Accuracy,
            result.TrainableParameters,
            LossCurve = png,
            Int8LastLoss = int8.Losses[^1],
            Int8AccuracyAfter = int8.Validation.Accuracy,
            Seconds = watch.Elapsed.TotalSeconds,
        };
    }

    private static List<LabeledSentence> Sentences(string[] positive, string[] negative) =>
        s_templates.SelectMany(t => positive.Select(a => new LabeledSentence(string.Format(System.Globalization.CultureInfo.InvariantCulture, t, a), 1))
            .Concat(negative.Select(a => new LabeledSentence(string.Format(System.Globalization.CultureInfo.InvariantCulture, t, a), 0)))).ToList();
}
