using System.CommandLine;
using System.Diagnostics;
using Pipelines.Cli.Infrastructure;
using Pipelines.Cli.Plots;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;
using Spectre.Console;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines graph train --data &lt;TU folder | SMILES csv&gt; [--target col] --pe &lt;none|lap|rwse|spe&gt; [--init xavier|virgo] --out &lt;dir&gt;</c>:
/// trains GINE (+ SPE φ/ρ end to end) on a seeded train/valid/test split, or with <c>--folds k</c> by stratified k-fold
/// cross-validation, for each of <c>--seeds</c> (mean ± std over runs in <c>metrics.json</c>); writes a model folder (<c>model.onnx</c>, <c>pipelines.json</c>), <c>metrics.json</c> and the learning curves <c>curves.png</c>.
/// The training state is checkpointed to <c>&lt;out&gt;/checkpoint</c> after every epoch and every
/// <c>--checkpoint-seconds</c>; running the same command again resumes after the last checkpoint. <c>--patience</c> stops
/// early (epochs run and the stop are in <c>metrics.json</c>), <c>--threads</c> sets ONNX Runtime's intra-op threads and
/// <c>--message-passing</c> picks the sparse (default) or dense GINE layout; <c>--spe-norm</c>/<c>--spe-reduction</c> set
/// SPE's BatchNorm and column reduction, <c>--spe-layout</c> its batching, <c>--gine-norm</c> BatchNorm in the GINE layers.
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
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (AdamW, warm-up then linear decay, or --plateau).", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.LearningRate };
        var hidden = new Option<int>("--hidden") { Description = "GINE hidden width.", DefaultValueFactory = _ => GineOptions.Defaults.HiddenSize };
        var layers = new Option<int>("--layers") { Description = "GINE layers.", DefaultValueFactory = _ => GineOptions.Defaults.Layers };
        var init = new Option<GnnInit>("--init") { Description = "Initialisation of the GINE layers: xavier, or virgo (variance from the training graphs' degree structure, Li et al. 2023).", DefaultValueFactory = _ => GineOptions.Defaults.Init };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, initialisation and shuffling.", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.Seed };
        var fraction = new Option<double>("--test-fraction") { Description = "Fraction held out for validation and again for test.", DefaultValueFactory = _ => GraphDataset.Defaults.HeldOutFraction };
        var batching = new Option<GraphBatching>("--batching") { Description = "Shuffled (i.i.d. batches) or SizeBucketed (graphs of similar size together: far less padding, faster).", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.Batching };
        var checkpointSeconds = new Option<int>("--checkpoint-seconds") { Description = "Besides every epoch end, write the checkpoint once this many seconds have passed since the last one (0: epoch ends only).", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.CheckpointSeconds };
        var spectrum = new Option<SpectrumTruncation>("--spectrum") { Description = "Eigenpairs kept by lap/spe: full (all up to FullNodeLimit nodes, an eigengap cut above; never splits an eigenspace), eigengap (cut at the largest gap ≤ k), fixed (min(n, k), the SPE reference's; may split one).", DefaultValueFactory = _ => SpectrumOptions.Defaults.Truncation };
        var folds = new Option<int>("--folds") { Description = "1: one seeded split (--test-fraction); k ≥ 3: stratified k-fold cross-validation (fold f tests, fold f+1 validates), mean ± std over folds.", DefaultValueFactory = _ => GraphProtocolOptions.Defaults.Folds };
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds (e.g. 1,2,3): the whole protocol once per seed; overrides --seed." };
        var patience = new Option<int>("--patience") { Description = "Early stopping: end training once this many epochs pass without a better validation metric (the best epoch's weights are kept); 0: off.", DefaultValueFactory = _ => GraphTrainerOptions.Defaults.Patience };
        var plateau = new Option<int>("--plateau") { Description = $"Reduce-on-plateau instead of the linear decay: multiply the rate by --plateau-factor each time this many epochs pass without a better validation metric, and end training when it falls below --plateau-min-scale × --lr (the validation metric has flattened; --epochs is the cap); 0: off (the benchmark protocol uses {PlateauReduction.Defaults.Patience}).", DefaultValueFactory = _ => 0 };
        var plateauFactor = new Option<double>("--plateau-factor") { Description = "Multiplier per plateau reduction, in (0, 1).", DefaultValueFactory = _ => PlateauReduction.Defaults.Factor };
        var plateauMin = new Option<double>("--plateau-min-scale") { Description = "With --plateau, training ends once the rate falls below this fraction of --lr, in (0, 1].", DefaultValueFactory = _ => PlateauReduction.Defaults.MinScale };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: the runtime's default).", DefaultValueFactory = _ => 0 };
        var messagePassing = new Option<GraphMessagePassing>("--message-passing") { Description = "GINE layout: Sparse (edge lists, cost linear in edges) or Dense (padded N×N per graph); same model either way.", DefaultValueFactory = _ => GineOptions.Defaults.MessagePassing };
        var speNorm = new Option<SpeNormalization>("--spe-norm") { Description = "SPE's φ/ρ normalisation: None, or BatchNorm (the reference's, statistics over real entries).", DefaultValueFactory = _ => SpeOptions.Defaults.Normalization };
        var speReduction = new Option<SpeColumnReduction>("--spe-reduction") { Description = "SPE's column reduction: Sum (the reference's) or Mean (scale independent of graph size).", DefaultValueFactory = _ => SpeOptions.Defaults.ColumnReduction };
        var speLayout = new Option<SpeBatchLayout>("--spe-layout") { Description = "SPE's n×n part with sparse message passing: Padded (B·N_max²) or Blocks (per-graph, Σn² pairs); same model either way.", DefaultValueFactory = _ => GineOptions.Defaults.SpeLayout };
        var gineNorm = new Option<SpeNormalization>("--gine-norm") { Description = "Normalisation in the GINE layers' MLPs: None, or BatchNorm (Linear–BN–ReLU–Linear–BN, statistics over real nodes).", DefaultValueFactory = _ => GineOptions.Defaults.Normalization };
        var output = new Option<string>("--out") { Description = "Output folder for model.onnx, metrics.json, curves.png and the resumable checkpoint/ folder.", Required = true };
        var command = new Command("train", "Train a GINE graph model with a positional encoding; reports validation/test metrics.")
        {
            data, target, smiles, pe, k, epochs, batch, lr, hidden, layers, init, seed, fraction, batching, checkpointSeconds, spectrum, folds, seeds, patience, plateau, plateauFactor, plateauMin, threads, messagePassing, speNorm, speReduction, speLayout, gineNorm, output,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            int kv = parsed.GetValue(k);
            double frac = parsed.GetValue(fraction);
            if (kv < 1 || parsed.GetValue(epochs) < 1 || parsed.GetValue(batch) < 1 || frac <= 0 || frac >= 0.5)
            {
                throw new UsageException("--k, --epochs and --batch-size must be at least 1 and --test-fraction in (0, 0.5).");
            }

            if (parsed.GetValue(patience) < 0 || parsed.GetValue(threads) < 0 || parsed.GetValue(plateau) < 0)
            {
                throw new UsageException("--patience, --plateau and --threads must be at least 0.");
            }

            PlateauReduction? plateauRule = parsed.GetValue(plateau) == 0 ? null : new PlateauReduction(parsed.GetValue(plateauFactor), parsed.GetValue(plateau), parsed.GetValue(plateauMin));
            try
            {
                plateauRule?.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException($"--plateau-factor/--plateau-min-scale: {e.Message}");
            }

            string dataPath = parsed.GetValue(data)!;
            string? targetColumn = parsed.GetValue(target);
            GraphCommand.CheckDataPath(dataPath);
            if (!Directory.Exists(dataPath) && targetColumn is null)
            {
                throw new UsageException("--target is required for a SMILES CSV (the numeric column to predict).");
            }

            int s = parsed.GetValue(seed);
            var protocol = new GraphProtocolOptions(parsed.GetValue(folds), ParseSeeds(parsed.GetValue(seeds)), frac);
            try
            {
                protocol.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException($"--folds/--seeds: {e.Message}");
            }

            int hiddenSize = parsed.GetValue(hidden);
            int layerCount = parsed.GetValue(layers);
            string outDir = parsed.GetValue(output)!;
            using FolderLock held = OutputFolder.Lock(console, outDir, "graph train");
            string checkpoint = Path.Combine(outDir, "checkpoint");
            GraphMessagePassing layout = parsed.GetValue(messagePassing);
            GnnInit gnnInit = parsed.GetValue(init);
            SpeBatchLayout speBatchLayout = parsed.GetValue(speLayout);
            SpeNormalization gineNormalization = parsed.GetValue(gineNorm);
            SpeNormalization speNormalization = parsed.GetValue(speNorm);
            SpeColumnReduction speColumns = parsed.GetValue(speReduction);
            GineOptions Backbone(int runSeed) => new(hiddenSize, layerCount, GraphPooling.Mean, hiddenSize, runSeed, gnnInit) { MessagePassing = layout, SpeLayout = speBatchLayout, Normalization = gineNormalization };
            var options = new GraphTrainerOptions(parsed.GetValue(epochs), parsed.GetValue(batch), parsed.GetValue(lr), Seed: s, Batching: parsed.GetValue(batching), CheckpointDirectory: checkpoint,
                CheckpointInterval: LoraTrainCommand.CheckpointInterval(parsed.GetValue(checkpointSeconds)), Threads: parsed.GetValue(threads), Patience: parsed.GetValue(patience), Plateau: plateauRule);
            GraphEncodingKind kind = parsed.GetValue(pe);
            SpectrumTruncation truncation = parsed.GetValue(spectrum);
            GraphEncoding Encoding(int runSeed)
            {
                GraphEncoding e = GraphEncoding.Create(kind, kv, runSeed, truncation);
                return e is SpeEncoding se ? se with { Options = se.SpeOptions with { Normalization = speNormalization, ColumnReduction = speColumns } } : e;
            }

            var watch = Stopwatch.StartNew();
            GraphDataset ds = GraphDataset.Load(dataPath, targetColumn, parsed.GetValue(smiles));
            string metricName = ds.IsClassification ? "accuracy" : "MAE";
            var progress = new Progress(console, metricName);
            var epochsByRun = new List<List<EpochReport>>();
            GraphTrainingJob? first = null;
            void Started(int runSeed, int fold, GraphTrainingJob job)
            {
                if (first is null)
                {
                    first = job;
                    console.Human.MarkupLine($"{Markup.Escape(ds.Name)}: {ds.Graphs.Count} graphs ({job.Train.Graphs.Count}/{job.Valid.Graphs.Count}/{job.Test.Graphs.Count}), {(ds.IsClassification ? $"{ds.ClassCount} classes" : "regression")}, PE {job.Encoding.Name}; encodings in {job.EncodingSeconds:F1} s");
                    if (job.Cut.Graphs > 0)
                    {
                        console.Warn($"spectrum: {job.Cut}");
                    }
                }

                if (protocol.Folds > 1 || protocol.SeedsOr(s).Count > 1)
                {
                    console.Human.MarkupLine($"seed {runSeed}, fold {fold + 1}/{protocol.Folds}");
                }

                string runCheckpoint = protocol.Folds > 1 || protocol.SeedsOr(s).Count > 1 ? Path.Combine(checkpoint, $"seed{runSeed}-fold{fold}") : checkpoint;
                if (File.Exists(Path.Combine(runCheckpoint, "state.bin")))
                {
                    console.Warn($"resuming from '{runCheckpoint}'");
                }

                progress.Epochs = [];
                epochsByRun.Add(progress.Epochs);
            }

            GraphProtocolResult outcome = GraphProtocol.Run(ds, protocol, Encoding, Backbone, options, Started, progress, console.Cancellation);
            GraphTrainingJob firstJob = first!;
            GraphTrainingResult trained = outcome.Best;
            int bestIndex = outcome.Runs.ToList().IndexOf(outcome.BestRun);

            GraphModel model = trained.Model;
            firstJob.WriteFolder(outDir, trained, Backbone(outcome.BestRun.Seed), options with { Seed = outcome.BestRun.Seed });
            string modelPath = Path.Combine(outDir, ModelFolder.ModelFileName);
            string curves = Path.Combine(outDir, CurvesFileName);
            TrainingCurves.WriteEpochs(curves, epochsByRun[bestIndex], metricName, $"{ds.Name}, GINE + {firstJob.Encoding.Name}: training loss and validation {metricName}{(trained.EpochsRun < options.Epochs ? $" ({(options.Plateau is null ? "early stop" : "plateau end")} after epoch {trained.EpochsRun})" : "")}");
            var result = new
            {
                Data = ds.Name,
                Graphs = ds.Graphs.Count,
                Split = new[] { firstJob.Train.Graphs.Count, firstJob.Valid.Graphs.Count, firstJob.Test.Graphs.Count },
                Pe = firstJob.Encoding.Name,
                K = kv,
                Spectrum = truncation.ToString().ToLowerInvariant(),
                SpectrumCut = new { firstJob.Cut.Graphs, firstJob.Cut.Eigenpairs },
                Task = ds.IsClassification ? "classification" : "regression",
                Metric = metricName,
                Folds = protocol.Folds,
                Seeds = protocol.SeedsOr(s),
                Valid = trained.ValidMetric,
                Test = trained.TestMetric,
                BestEpoch = trained.BestEpoch,
                EpochsRun = trained.EpochsRun,
                Patience = options.Patience,
                Plateau = options.Plateau is { } rule ? new { rule.Factor, rule.Patience, rule.MinScale } : null,
                StoppedEarly = trained.EpochsRun < options.Epochs,
                MessagePassing = layout.ToString(),
                SpeLayout = speBatchLayout.ToString(),
                GineNorm = gineNormalization.ToString(),
                Threads = options.Threads,
                BestRun = new { outcome.BestRun.Seed, outcome.BestRun.Fold },
                ValidMean = outcome.ValidMean,
                ValidStd = outcome.ValidStd,
                TestMean = outcome.TestMean,
                TestStd = outcome.TestStd,
                Runs = outcome.Runs,
                Parameters = model.ParameterCount,
                EncodingSeconds = firstJob.EncodingSeconds,
                Seconds = watch.Elapsed.TotalSeconds,
                Model = Path.GetFullPath(modelPath),
                Curves = Path.GetFullPath(curves),
            };
            AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), System.Text.Json.JsonSerializer.Serialize(result, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            if (outcome.Runs.Count > 1)
            {
                console.Human.MarkupLine($"{outcome.Runs.Count} runs ({protocol.Folds} fold(s) × {protocol.SeedsOr(s).Count} seed(s)): valid {metricName} {outcome.ValidMean:F4} ± {outcome.ValidStd:F4}, test {metricName} {outcome.TestMean:F4} ± {outcome.TestStd:F4}");
            }

            console.Human.MarkupLine($"best epoch {trained.BestEpoch}: valid {metricName} {trained.ValidMetric:F4}, test {metricName} {trained.TestMetric:F4}; {model.ParameterCount:N0} parameters; model → {Markup.Escape(modelPath)}");
            console.WriteJson(result);
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>The learning-curve PNG written beside the model (epochs of this run; a resumed run draws the epochs it ran).</summary>
    internal const string CurvesFileName = "curves.png";

    /// <summary>Parses <c>--seeds 1,2,3</c>; null or empty: none.</summary>
    internal static int[]? ParseSeeds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var seeds = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out seeds[i]))
            {
                throw new UsageException($"--seeds: '{parts[i]}' is not an integer (expected e.g. 1,2,3).");
            }
        }

        return seeds;
    }

    /// <summary>Prints each epoch and keeps it for the learning curves (one list per run).</summary>
    private sealed class Progress(CliConsole console, string metric) : IProgress<EpochReport>
    {
        public List<EpochReport> Epochs { get; set; } = [];

        public void Report(EpochReport r)
        {
            Epochs.Add(r);
            console.Human.MarkupLine($"epoch {r.Epoch,3}: train loss {r.TrainLoss:F4}, valid {metric} {r.ValidMetric:F4}{(r.IsBest ? " *" : "")} ({r.Seconds:F1} s)");
        }
    }
}
