using System.CommandLine;
using System.Globalization;
using Pipelines.Transforms.LowRank;
using Pipelines.Cli.Infrastructure;
using Pipelines.Cli.Plots;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;
using Pipelines.Trainers.TextClassification;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines lora train --train t.txt --valid v.txt --method pissa --rank 8 --out dir</c>: fine-tunes a text encoder
/// (all-MiniLM-L6-v2 by default, or <c>--model</c>: an ONNX file or a folder from <c>lora init</c>) for sentence
/// classification, with a progress bar, and writes a model folder (<see cref="ModelFolder"/>): <c>dir/model.onnx</c>
/// (plain ONNX: logits, probabilities, pooled), <c>dir/vocab.txt</c>, <c>dir/pipelines.json</c>, <c>dir/loss.png</c>,
/// <c>dir/metrics.json</c> and a resumable <c>dir/checkpoint/</c>. A folder from <c>lora init</c> brings its own
/// method, rank, α and vocabulary; flags that contradict them are refused, and nothing falls back silently.
/// </summary>
internal static class LoraTrainCommand
{
    /// <summary>The <c>train</c> command.</summary>
    public static Command Create()
    {
        var model = new Option<FileSystemInfo?>("--model") { Description = "Encoder ONNX file, or a model folder (e.g. from `lora init`: its method, rank, α and vocab.txt are used); default: the bundled all-MiniLM-L6-v2." };
        var vocab = new Option<FileInfo?>("--vocab") { Description = "WordPiece vocab.txt; default: the model folder's (the bundled MiniLM's without --model). A folder without one needs it." };
        var train = new Option<FileInfo>("--train") { Description = "Training file, one '<label> <sentence>' per line (SST-2 stsa.binary format).", Required = true };
        var valid = new Option<FileInfo?>("--valid") { Description = "Validation file in the same format." };
        var method = new Option<string?>("--method") { Description = $"{string.Join(" | ", LowRankMethods.FineTuning.Select(LowRankMethods.Name))}; default: the model folder's, else {LowRankMethods.Name(FineTuneOptions.Defaults.Method)}." };
        var rank = new Option<int?>("--rank") { Description = $"Adapter rank r; default: the model folder's, else {FineTuneOptions.Defaults.Rank}." };
        var alpha = new Option<float?>("--alpha") { Description = "Adapter α (s = α/r); default: the model folder's, else α = r." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => FineTuneOptions.Defaults.Epochs };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Stop after this many steps (overrides --epochs for the schedule)." };
        var lr = new Option<float?>("--lr") { Description = $"Peak learning rate (default {FineTuneOptions.Defaults.LearningRate:g} for adapters, {FineTuneOptions.Defaults.FullLearningRate:g} for full)." };
        var headLr = new Option<float>("--head-lr") { Description = "Peak learning rate of the classification head.", DefaultValueFactory = _ => FineTuneOptions.Defaults.HeadLearningRate };
        var batch = new Option<int>("--batch-size") { Description = "Sentences per step.", DefaultValueFactory = _ => FineTuneOptions.Defaults.BatchSize };
        var maxLength = new Option<int>("--max-length") { Description = "Maximum tokens per sentence.", DefaultValueFactory = _ => FineTuneOptions.Defaults.MaxLength };
        var schedule = new Option<FineTuneSchedule>("--schedule") { Description = "Constant | Linear | Cosine.", DefaultValueFactory = _ => FineTuneOptions.Defaults.Schedule };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write the resumable checkpoint every this many steps (and at the end).", DefaultValueFactory = _ => FineTuneOptions.Defaults.CheckpointEvery };
        var checkpointSeconds = new Option<int>("--checkpoint-seconds") { Description = "Also write the checkpoint once this many seconds have passed since the last one (0: by steps only), so a kill loses at most this long.", DefaultValueFactory = _ => FineTuneOptions.Defaults.CheckpointSeconds };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice.", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = DeviceOption.TrainingDescription, DefaultValueFactory = _ => "cpu" };
        var optimizer = new Option<string>("--optimizer") { Description = $"{string.Join(" | ", OptimizerKinds.Names)}.", DefaultValueFactory = _ => OptimizerKinds.Name(FineTuneOptions.Defaults.Optimizer) };
        var loss = new Option<ClassificationLoss>("--loss") { Description = "Softmax | StableMax (StableMax cross-entropy, Prieto et al., 2025).", DefaultValueFactory = _ => FineTuneOptions.Defaults.Loss };
        var orthogonalGrad = new Option<bool>("--orthogonal-grad") { Description = "⊥Grad: remove each weight's gradient component along the weight (Prieto et al., 2025).", DefaultValueFactory = _ => FineTuneOptions.Defaults.OrthogonalGradient };
        var frozenPrecision = new Option<FrozenWeightPrecision>("--frozen-precision") { Description = "Float32 | Int8: the frozen encoder's MatMuls (forward and input gradients) on int8 weights with dynamically quantized activations; adapters, head and optimizer stay float32.", DefaultValueFactory = _ => FineTuneOptions.Defaults.FrozenPrecision };
        var activationCheckpointing = new Option<ActivationCheckpointing>("--activation-checkpointing") { Description = "None | TransformerBlocks: recompute each encoder block's forward in the backward pass instead of keeping its activations (less memory at large batches, about one more forward pass of time, same gradients).", DefaultValueFactory = _ => FineTuneOptions.Defaults.ActivationCheckpointing };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (also holds the resumable checkpoint).", Required = true };
        var command = new Command("train", "Fine-tune a text encoder for sentence classification with LoRA, PiSSA, MiLoRA, OLoRA, EVA, LoRA-GA adapters or fully; export plain ONNX.")
        {
            model, vocab, train, valid, method, rank, alpha, epochs, maxSteps, lr, headLr, batch, maxLength, schedule, checkpointEvery, checkpointSeconds, seed, device, optimizer, loss, orthogonalGrad, frozenPrecision, activationCheckpointing, threads, output,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            DirectoryInfo outDir = parsed.GetValue(output)!;
            using FolderLock held = OutputFolder.Lock(console, outDir.FullName, "lora train");
            FineTuneSource source = FineTuneSource.Resolve(parsed.GetValue(model), parsed.GetValue(vocab), parsed.GetValue(method), parsed.GetValue(rank), parsed.GetValue(alpha));
            LowRankMethod m = source.Method;
            FileInfo trainFile = parsed.GetValue(train)!;
            FileInfo? validFile = parsed.GetValue(valid);
            (ExecutionDevice executionDevice, StateMemory stateMemory) = DeviceOption.ParseTraining(parsed.GetValue(device));
            var options = new FineTuneOptions
            {
                Method = m,
                Rank = source.Rank,
                Alpha = source.Alpha,
                Epochs = parsed.GetValue(epochs),
                MaxSteps = parsed.GetValue(maxSteps),
                LearningRate = parsed.GetValue(lr) ?? FineTuneOptions.Defaults.For(m),
                HeadLearningRate = parsed.GetValue(headLr),
                BatchSize = parsed.GetValue(batch),
                MaxLength = parsed.GetValue(maxLength),
                Schedule = parsed.GetValue(schedule),
                Seed = parsed.GetValue(seed),
                Device = executionDevice,
                StateMemory = stateMemory,
                CheckpointDirectory = Path.Combine(outDir.FullName, "checkpoint"),
                CheckpointEvery = parsed.GetValue(checkpointEvery),
                CheckpointInterval = CheckpointInterval(parsed.GetValue(checkpointSeconds)),
                Optimizer = OptimizerKinds.TryParse(parsed.GetValue(optimizer)!, out OptimizerKind kind)
                    ? kind
                    : throw new UsageException($"--optimizer '{parsed.GetValue(optimizer)}' is not one of {string.Join(", ", OptimizerKinds.Names)}."),
                OrthogonalGradient = parsed.GetValue(orthogonalGrad),
                Loss = parsed.GetValue(loss),
                FrozenPrecision = parsed.GetValue(frozenPrecision),
                ActivationCheckpointing = parsed.GetValue(activationCheckpointing),
                IntraOpThreads = parsed.GetValue(threads),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            IReadOnlyList<LabeledSentence> trainRows = Sst2Reader.Read(trainFile.FullName);
            IReadOnlyList<LabeledSentence>? validRows = validFile is null ? null : Sst2Reader.Read(validFile.FullName);
            OnnxModel encoder = OnnxModelIO.Load(source.ModelPath);
            source.RefuseFlagsOnForeignAdapters(encoder);
            TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(source.VocabularyPath, options.MaxLength);
            if (FineTuneCheckpoint.Exists(options.CheckpointDirectory))
            {
                console.Warn($"resuming from '{options.CheckpointDirectory}'");
            }

            FineTuneResult result = RunWithProgress(console, encoder, tokenizer, trainRows, validRows, options);
            string modelOut = Path.Combine(outDir.FullName, "model.onnx");
            OnnxModelIO.Save(result.Classifier, modelOut);
            string png = Path.Combine(outDir.FullName, "loss.png");
            TrainingCurves.WriteStepLoss(png, result.Losses, $"{m} r{options.Rank}: training loss", result.Validation?.MeanLoss);
            var summary = new
            {
                Method = m.ToString(),
                options.Rank,
                Alpha = options.EffectiveAlpha,
                options.LearningRate,
                Steps = result.Losses.Count,
                FinalLoss = result.Losses.Count > 0 ? result.Losses[^1] : float.NaN,
                result.TrainableParameters,
                result.InitializationSeconds,
                result.TrainingSeconds,
                Validation = result.Validation,
                Model = modelOut,
                LossCurve = png,
            };
            AtomicFile.WriteAllText(Path.Combine(outDir.FullName, "metrics.json"), System.Text.Json.JsonSerializer.Serialize(summary, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            source.WriteManifest(outDir.FullName, options, tokenizer, summary.FinalLoss, result.Validation);
            IAnsiConsole c = console.Human;
            c.MarkupLine($"{m} r{options.Rank}: {result.Losses.Count} steps, final loss {summary.FinalLoss:F4}, {result.TrainableParameters:N0} trainable parameters, train {result.TrainingSeconds:F1} s");
            if (result.Validation is { } v)
            {
                c.MarkupLine($"validation: accuracy [bold]{v.Accuracy:P2}[/], loss {v.MeanLoss:F4}, macro-F1 {v.MacroF1:F4} ({v.Count} rows)");
            }

            c.MarkupLine($"wrote {Markup.Escape(modelOut)}, {Markup.Escape(png)}");
            console.WriteJson(summary);
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>The interval of <c>--checkpoint-seconds</c>: null for 0 (by steps only); negative values are refused.</summary>
    internal static TimeSpan? CheckpointInterval(int seconds) => seconds switch
    {
        0 => null,
        > 0 => TimeSpan.FromSeconds(seconds),
        _ => throw new UsageException($"--checkpoint-seconds {seconds} must be 0 (by steps only) or positive."),
    };

    private static FineTuneResult RunWithProgress(
        CliConsole console, OnnxModel encoder, TextEncoderTokenizer tokenizer, IReadOnlyList<LabeledSentence> train, IReadOnlyList<LabeledSentence>? valid, FineTuneOptions options)
    {
        if (console.Json)
        {
            return TextClassifierFineTuning.Train(encoder, tokenizer, train, valid, options, cancellationToken: console.Cancellation);
        }

        FineTuneResult? result = null;
        console.Human.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask($"{options.Method} r{options.Rank}: initialising", maxValue: 1);
                var progress = new InlineProgress(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = string.Create(
                        CultureInfo.InvariantCulture,
                        $"{options.Method} step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} acc {p.BatchAccuracy:P0} {p.StepsPerSecond:F2} steps/s ETA {p.Eta:hh\\:mm\\:ss}");
                });
                result = TextClassifierFineTuning.Train(encoder, tokenizer, train, valid, options, progress, console.Cancellation);
                task.Description = valid is null ? "done" : "done (validated)";
            });
        return result!;
    }

    private sealed class InlineProgress(Action<FineTuneProgress> action) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => action(value);
    }
}
