using System.Diagnostics;
using Pipelines.Transforms.LowRank;
using Pipelines.Cli.Plots;
using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
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
        // device-resident train state on the CPU allocator: the code path a CUDA session takes, bit for bit the host run
        FineTuneOptions brief = options with { Method = LowRankMethod.Lora, MaxSteps = 3, Optimizer = OptimizerKind.AdamW8Bit };
        FineTuneResult hostState = TextClassifierFineTuning.Train(encoder, tokenizer, train, null, brief with { StateMemory = StateMemory.Host });
        FineTuneResult deviceState = TextClassifierFineTuning.Train(encoder, tokenizer, train, null, brief with { StateMemory = StateMemory.Device });
        bool identical = hostState.Losses.SequenceEqual(deviceState.Losses)
            && FineTuneModels.Trainables(hostState.Classifier, LowRankMethod.Lora).All(n =>
                hostState.Classifier.Graph.FindInitializer(n)!.RawData.AsSpan().SequenceEqual(deviceState.Classifier.Graph.FindInitializer(n)!.RawData));
        c.MarkupLine($"device-resident state (--device cpu+resident: ORT allocator + IOBinding, the CUDA path on the CPU): {brief.MaxSteps} LoRA steps with 8-bit AdamW ({deviceState.OptimizerStateBytes:N0} B of optimizer state) bit-identical to host buffers: [bold]{(identical ? "yes" : "NO")}[/]");
        if (!identical)
        {
            throw new InvalidOperationException("Device-resident train state diverged from host state on the CPU.");
        }

        // activation checkpointing: each encoder block's forward recomputed in the backward pass, the same training
        FineTuneResult recomputed = TextClassifierFineTuning.Train(encoder, tokenizer, train, null, brief with { StateMemory = StateMemory.Host, ActivationCheckpointing = ActivationCheckpointing.TransformerBlocks });
        double gap = hostState.Losses.Zip(recomputed.Losses, (a, b) => Math.Abs((double)a - b)).Max();
        c.MarkupLine($"activation checkpointing (--activation-checkpointing TransformerBlocks: each encoder block's forward recomputed in the backward pass): {brief.MaxSteps} steps, largest loss difference to kept activations {gap:E1}");
        if (!(gap < 1e-4))
        {
            throw new InvalidOperationException($"Activation checkpointing changed the losses by {gap}.");
        }

        if (!(result.Losses.TakeLast(4).Average() < result.Losses.Take(4).Average()))
        {
            throw new InvalidOperationException($"Fine-tuning did not lower the loss ({result.Losses[0]:F3} → {result.Losses[^1]:F3}).");
        }

        (int QLoraWeights, long Int4Bytes, long FloatBytes, float[] QLoraLosses) qlora = QLoraOverInt4Base(c, encoder, tokenizer, train, options);
        return new
        {
            Steps = result.Losses.Count,
            FirstLoss = result.Losses[0],
            LastLoss = result.Losses[^1],
            AccuracyBefore = before.Accuracy,
            AccuracyAfter = after.Accuracy,
            result.TrainableParameters,
            LossCurve = png,
            QLoraInt4Weights = qlora.QLoraWeights,
            QLoraInt4BaseBytes = qlora.Int4Bytes,
            QLoraFloatBaseBytes = qlora.FloatBytes,
            QLoraLosses = qlora.QLoraLosses,
            Int8LastLoss = int8.Losses[^1],
            Int8AccuracyAfter = int8.Validation.Accuracy,
            Seconds = watch.Elapsed.TotalSeconds,
        };
    }

    // QLoRA: the frozen base as block-wise int4 codes dequantized before each MatMul (min-max scales keep it fast), LoRA
    // adapters and head in float; a few steps show the loss moving over the 4-bit base.
    private static (int Weights, long Int4Bytes, long FloatBytes, float[] Losses) QLoraOverInt4Base(
        IAnsiConsole c, OnnxModel encoder, TextEncoderTokenizer tokenizer, IReadOnlyList<LabeledSentence> train, FineTuneOptions options)
    {
        var clock = Stopwatch.StartNew();
        QuantizationOptions q = QuantizedBase.DefaultOptions with { Search = BlockScaleSearch.MinMax };
        AdaptedModel adapted = LowRankInitializer.Initialize(encoder, new LowRankOptions
        {
            Method = LowRankMethod.Lora,
            Rank = options.Rank,
            Seed = (ulong)options.Seed,
            QuantizeBase = true,
            LoftQ = new LoftQOptions { RoundTrip = QuantizedBase.RoundTrip(q), Iterations = 1 },
        });
        OnnxModel int4 = QuantizedBase.Quantize(adapted.Model, q);
        OnnxNode[] dq = [.. int4.Graph.Nodes.Where(n => n.OpType == "DequantizeLinear")];
        long int4Bytes = dq.SelectMany(n => n.Inputs).Distinct().Select(int4.Graph.FindInitializer).OfType<OnnxTensor>().Sum(t => t.ByteCount);
        long floatBytes = dq.Sum(n => int4.Graph.FindInitializer(n.Inputs[0])!.ElementCount * sizeof(float));
        FineTuneResult r = TextClassifierFineTuning.Train(int4, tokenizer, train, null, options with { Method = LowRankMethod.Lora, MaxSteps = 4 });
        c.MarkupLine($"QLoRA r{options.Rank} over the int4 base: {dq.Length} MatMul weights as int4 codes + block scales ({int4Bytes / 1e6:F1} MB vs {floatBytes / 1e6:F1} MB float), {r.Losses.Count} steps, loss {string.Join(" → ", r.Losses.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))} ({clock.Elapsed.TotalSeconds:F1} s)");
        if (!r.Losses.All(float.IsFinite) || int4Bytes * 6 > floatBytes)
        {
            throw new InvalidOperationException($"QLoRA over the int4 base: losses {string.Join(", ", r.Losses)}, {int4Bytes} int4 bytes for {floatBytes} float bytes.");
        }

        return (dq.Length, int4Bytes, floatBytes, [.. r.Losses]);
    }

    private static List<LabeledSentence> Sentences(string[] positive, string[] negative) =>
        s_templates.SelectMany(t => positive.Select(a => new LabeledSentence(string.Format(System.Globalization.CultureInfo.InvariantCulture, t, a), 1))
            .Concat(negative.Select(a => new LabeledSentence(string.Format(System.Globalization.CultureInfo.InvariantCulture, t, a), 0)))).ToList();
}
