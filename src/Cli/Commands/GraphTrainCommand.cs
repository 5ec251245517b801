using System.CommandLine;
using System.Diagnostics;
using Pipelines.Cli.Infrastructure;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines graph train --data &lt;TU folder | SMILES csv&gt; [--target col] --pe &lt;none|lap|rwse|spe&gt; --out &lt;dir&gt;</c>:
/// trains GINE (+ SPE φ/ρ end to end) on a seeded train/valid/test split; writes <c>model.onnx</c> and <c>metrics.json</c>.
/// The training state is checkpointed to <c>&lt;out&gt;/checkpoint</c> after every epoch; running the same command again
/// resumes after the last completed epoch.
/// </summary>
internal static class GraphTrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A TU data set folder (DS_A.txt, …) or a SMILES CSV file.", Required = true };
        var target = new Option<string?>("--target") { Description = "Target column of a SMILES CSV (regression)." };
        var smiles = new Option<string?>("--smiles-column") { Description = "SMILES column (default: first column whose name contains 'smiles')." };
        var pe = new Option<PeKind>("--pe") { Description = "Positional encoding: none, lap, rwse or spe.", DefaultValueFactory = _ => PeKind.Spe };
        var k = new Option<int>("--k") { Description = "Eigenpairs (LapPE/SPE) or random-walk steps (RWSE).", DefaultValueFactory = _ => 16 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 50 };
        var batch = new Option<int>("--batch-size") { Description = "Graphs per step.", DefaultValueFactory = _ => 32 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (AdamW, warm-up then linear decay).", DefaultValueFactory = _ => 1e-3f };
        var hidden = new Option<int>("--hidden") { Description = "GINE hidden width.", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "GINE layers.", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, initialisation and shuffling.", DefaultValueFactory = _ => 1 };
        var fraction = new Option<double>("--test-fraction") { Description = "Fraction held out for validation and again for test.", DefaultValueFactory = _ => 0.1 };
        var batching = new Option<GraphBatching>("--batching") { Description = "Shuffled (i.i.d. batches) or SizeBucketed (graphs of similar size together: far less padding, faster).", DefaultValueFactory = _ => GraphBatching.Shuffled };
        var output = new Option<string>("--out") { Description = "Output folder for model.onnx, metrics.json and the resumable checkpoint/ folder.", Required = true };
        var command = new Command("train", "Train a GINE graph model with a positional encoding; reports validation/test metrics.")
        {
            data, target, smiles, pe, k, epochs, batch, lr, hidden, layers, seed, fraction, batching, output,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            int kv = parsed.GetValue(k);
            double frac = parsed.GetValue(fraction);
            if (kv < 1 || parsed.GetValue(epochs) < 1 || parsed.GetValue(batch) < 1 || frac <= 0 || frac >= 0.5)
            {
                throw new UsageException("--k, --epochs and --batch-size must be at least 1 and --test-fraction in (0, 0.5).");
            }

            var watch = Stopwatch.StartNew();
            GraphData ds = GraphData.Load(parsed.GetValue(data)!, parsed.GetValue(target), parsed.GetValue(smiles));
            int s = parsed.GetValue(seed);
            GraphEncoding enc = GraphCommand.Encoding(parsed.GetValue(pe), kv, s);
            bool classification = ds.ClassCount > 0;
            var def = new GraphModelDefinition(
                new GraphSchema(ds.NodeTypeCount, ds.EdgeTypeCount, 0, classification ? ds.ClassCount : 1),
                new GineOptions(parsed.GetValue(hidden), parsed.GetValue(layers), GraphPooling.Mean, parsed.GetValue(hidden), s),
                enc,
                classification ? GraphLoss.CrossEntropy : GraphLoss.L1);

            int[] order = Enumerable.Range(0, ds.Graphs.Count).ToArray();
            new Random(s).Shuffle(order);
            int held = Math.Max(1, (int)(frac * order.Length));
            GraphSplit Split(IEnumerable<int> idx, PrecomputedEncoding[] pre)
            {
                int[] a = idx.ToArray();
                return new GraphSplit(a.Select(i => ds.Graphs[i]).ToList(), a.Select(i => pre[i]).ToList());
            }

            var pw = Stopwatch.StartNew();
            PrecomputedEncoding[] all = PrecomputedEncoding.ComputeMany(ds.Graphs, enc);
            double preSeconds = pw.Elapsed.TotalSeconds;
            GraphSplit test = Split(order.Take(held), all);
            GraphSplit valid = Split(order.Skip(held).Take(held), all);
            GraphSplit train = Split(order.Skip(2 * held), all);
            console.Human.MarkupLine($"{Markup.Escape(ds.Name)}: {ds.Graphs.Count} graphs ({train.Graphs.Count}/{valid.Graphs.Count}/{test.Graphs.Count}), {(classification ? $"{ds.ClassCount} classes" : "regression")}, PE {enc.Name}; encodings in {preSeconds:F1} s");
            string metricName = classification ? "accuracy" : "MAE";
            var progress = new Progress(console, metricName);
            string outDir = parsed.GetValue(output)!;
            string checkpoint = Path.Combine(outDir, "checkpoint");
            if (File.Exists(Path.Combine(checkpoint, "state.bin")))
            {
                console.Warn($"resuming from '{checkpoint}'");
            }

            GraphModel model;
            try
            {
                model = GraphTrainer.Train(def, train, valid,
                    new GraphTrainerOptions(parsed.GetValue(epochs), parsed.GetValue(batch), parsed.GetValue(lr), Seed: s, WarmupSteps: 20, Batching: parsed.GetValue(batching), CheckpointDirectory: checkpoint),
                    progress, ds.NodeTypeKeys);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message);
            }

            double validMetric = GraphTrainer.Evaluate(model, valid);
            double testMetric = GraphTrainer.Evaluate(model, test);
            Directory.CreateDirectory(outDir);
            string modelPath = Path.Combine(outDir, "model.onnx");
            model.Save(modelPath);
            var result = new
            {
                Data = ds.Name,
                Graphs = ds.Graphs.Count,
                Split = new[] { train.Graphs.Count, valid.Graphs.Count, test.Graphs.Count },
                Pe = enc.Name,
                K = kv,
                Task = classification ? "classification" : "regression",
                Metric = metricName,
                Valid = validMetric,
                Test = testMetric,
                BestEpoch = progress.BestEpoch,
                Parameters = model.ParameterCount,
                EncodingSeconds = preSeconds,
                Seconds = watch.Elapsed.TotalSeconds,
                Model = Path.GetFullPath(modelPath),
            };
            AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), System.Text.Json.JsonSerializer.Serialize(result, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            console.Human.MarkupLine($"best epoch {progress.BestEpoch}: valid {metricName} {validMetric:F4}, test {metricName} {testMetric:F4}; {model.ParameterCount:N0} parameters; model → {Markup.Escape(modelPath)}");
            console.WriteJson(result);
            return CommandRunner.Ok;
        });
        return command;
    }

    private sealed class Progress(CliConsole console, string metric) : IProgress<EpochReport>
    {
        public int BestEpoch { get; private set; }

        public void Report(EpochReport r)
        {
            BestEpoch = r.IsBest ? r.Epoch : BestEpoch;
            console.Human.MarkupLine($"epoch {r.Epoch,3}: train loss {r.TrainLoss:F4}, valid {metric} {r.ValidMetric:F4}{(r.IsBest ? " *" : "")} ({r.Seconds:F1} s)");
        }
    }
}
