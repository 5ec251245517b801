using System.CommandLine;
using System.Diagnostics;
using Pipelines.Cli.Infrastructure;
using Pipelines.Cli.Plots;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines graph train --data &lt;TU folder | SMILES csv&gt; [--target col] --pe &lt;none|lap|rwse|spe&gt; --out &lt;dir&gt;</c>:
/// trains GINE (+ SPE φ/ρ end to end) on a seeded train/valid/test split; writes a model folder (<c>model.onnx</c>, <c>pipelines.json</c>), <c>metrics.json</c> and the learning curves <c>curves.png</c>.
/// The training state is checkpointed to <c>&lt;out&gt;/checkpoint</c> after every epoch and every
/// <c>--checkpoint-seconds</c>; running the same command again resumes after the last checkpoint.
/// </summary>
internal static class GraphTrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A TU data set folder (DS_A.txt, …) or a SMILES CSV file.", Required = true };
        var target = new Option<string?>("--target") { Description = "Target column of a SMILES CSV (regression)." };
        var smiles = new Option<string?>("--smiles-column") { Description = "SMILES column (default: first column whose name contains 'smiles')." };
        var pe = new Option<GraphEncodingKind>("--pe") { Description = "Positional encoding: none, lap, rwse or spe.", DefaultValueFactory = _ => GraphEncoding.Defaults.Trained };
        var k = new Option<int>("--k") { Description = "Eigenpairs (LapPE/SPE) or random-walk steps (RWSE).", DefaultValueFactory = _ => GraphEncoding.Defaults.K };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Graphs per step.", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.BatchSize };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (AdamW, warm-up then linear decay).", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.LearningRate };
        var hidden = new Option<int>("--hidden") { Description = "GINE hidden width.", DefaultValueFactory = _ => GineOptions.Defaults.HiddenSize };
        var layers = new Option<int>("--layers") { Description = "GINE layers.", DefaultValueFactory = _ => GineOptions.Defaults.Layers };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, initialisation and shuffling.", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.Seed };
        var fraction = new Option<double>("--test-fraction") { Description = "Fraction held out for validation and again for test.", DefaultValueFactory = _ => GraphDataset.Defaults.HeldOutFraction };
        var batching = new Option<GraphBatching>("--batching") { Description = "Shuffled (i.i.d. batches) or SizeBucketed (graphs of similar size together: far less padding, faster).", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.Batching };
        var checkpointSeconds = new Option<int>("--checkpoint-seconds") { Description = "Besides every epoch end, write the checkpoint once this many seconds have passed since the last one (0: epoch ends only).", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.CheckpointSeconds };
        var output = new Option<string>("--out") { Description = "Output folder for model.onnx, metrics.json, curves.png and the resumable checkpoint/ folder.", Required = true };
        var command = new Command("train", "Train a GINE graph model with a positional encoding; reports validation/test metrics.")
        {
            data, target, smiles, pe, k, epochs, batch, lr, hidden, layers, seed, fraction, batching, checkpointSeconds, output,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            int kv = parsed.GetValue(k);
            double frac = parsed.GetValue(fraction);
            if (kv < 1 || parsed.GetValue(epochs) < 1 || parsed.GetValue(batch) < 1 || frac <= 0 || frac >= 0.5)
            {
                throw new UsageException("--k, --epochs and --batch-size must be at least 1 and --test-fraction in (0, 0.5).");
            }

            string dataPath = parsed.GetValue(data)!;
            string? targetColumn = parsed.GetValue(target);
            GraphCommand.CheckDataPath(dataPath);
            if (!Directory.Exists(dataPath) && targetColumn is null)
            {
                throw new UsageException("--target is required for a SMILES CSV (the numeric column to predict).");
            }

            int s = parsed.GetValue(seed);
            int hiddenSize = parsed.GetValue(hidden);
            string outDir = parsed.GetValue(output)!;
            using FolderLock held = OutputFolder.Lock(console, outDir, "graph train");
            string checkpoint = Path.Combine(outDir, "checkpoint");
            var backbone = new GineOptions(hiddenSize, parsed.GetValue(layers), GraphPooling.Mean, hiddenSize, s);
            var options = new GraphTrainerOptions(parsed.GetValue(epochs), parsed.GetValue(batch), parsed.GetValue(lr), Seed: s, Batching: parsed.GetValue(batching), CheckpointDirectory: checkpoint,
                CheckpointInterval: LoraTrainCommand.CheckpointInterval(parsed.GetValue(checkpointSeconds)));

            var watch = Stopwatch.StartNew();
            GraphDataset ds = GraphDataset.Load(dataPath, targetColumn, parsed.GetValue(smiles));
            GraphTrainingJob job = GraphTrainingJob.Prepare(ds, ds.Split(frac, s), GraphEncoding.Create(parsed.GetValue(pe), kv, s));
            console.Human.MarkupLine($"{Markup.Escape(ds.Name)}: {ds.Graphs.Count} graphs ({job.Train.Graphs.Count}/{job.Valid.Graphs.Count}/{job.Test.Graphs.Count}), {(ds.IsClassification ? $"{ds.ClassCount} classes" : "regression")}, PE {job.Encoding.Name}; encodings in {job.EncodingSeconds:F1} s");
            if (File.Exists(Path.Combine(checkpoint, "state.bin")))
            {
                console.Warn($"resuming from '{checkpoint}'");
            }

            var progress = new Progress(console, job.MetricName);
            GraphTrainingResult trained = job.Run(backbone, options, progress, console.Cancellation);

            GraphModel model = trained.Model;
            job.WriteFolder(outDir, trained, backbone, options);
            string modelPath = Path.Combine(outDir, ModelFolder.ModelFileName);
            string curves = Path.Combine(outDir, CurvesFileName);
            TrainingCurves.WriteEpochs(curves, progress.Epochs, job.MetricName, $"{ds.Name}, GINE + {job.Encoding.Name}: training loss and validation {job.MetricName}");
            var result = new
            {
                Data = ds.Name,
                Graphs = ds.Graphs.Count,
                Split = new[] { job.Train.Graphs.Count, job.Valid.Graphs.Count, job.Test.Graphs.Count },
                Pe = job.Encoding.Name,
                K = kv,
                Task = ds.IsClassification ? "classification" : "regression",
                Metric = job.MetricName,
                Valid = trained.ValidMetric,
                Test = trained.TestMetric,
                BestEpoch = trained.BestEpoch,
                Parameters = model.ParameterCount,
                EncodingSeconds = job.EncodingSeconds,
                Seconds = watch.Elapsed.TotalSeconds,
                Model = Path.GetFullPath(modelPath),
                Curves = Path.GetFullPath(curves),
            };
            AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), System.Text.Json.JsonSerializer.Serialize(result, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            console.Human.MarkupLine($"best epoch {trained.BestEpoch}: valid {job.MetricName} {trained.ValidMetric:F4}, test {job.MetricName} {trained.TestMetric:F4}; {model.ParameterCount:N0} parameters; model → {Markup.Escape(modelPath)}");
            console.WriteJson(result);
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>The learning-curve PNG written beside the model (epochs of this run; a resumed run draws the epochs it ran).</summary>
    internal const string CurvesFileName = "curves.png";

    /// <summary>Prints each epoch and keeps it for the learning curves.</summary>
    private sealed class Progress(CliConsole console, string metric) : IProgress<EpochReport>
    {
        public List<EpochReport> Epochs { get; } = [];

        public void Report(EpochReport r)
        {
            Epochs.Add(r);
            console.Human.MarkupLine($"epoch {r.Epoch,3}: train loss {r.TrainLoss:F4}, valid {metric} {r.ValidMetric:F4}{(r.IsBest ? " *" : "")} ({r.Seconds:F1} s)");
        }
    }
}
