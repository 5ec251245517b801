using System.Diagnostics;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;

namespace Pipelines.Trainers.Graphs;

/// <summary>
/// The evaluation protocol of a graph-training run: one seeded train/valid/test split, or stratified k-fold
/// cross-validation (the TU benchmark protocol), repeated for each seed; results are reported as mean ± std.
/// </summary>
/// <param name="Folds">1: one seeded split of <paramref name="HeldOutFraction"/>; k ≥ 3: <see cref="GraphDataset.StratifiedFolds"/>.</param>
/// <param name="Seeds">Seeds of split, initialisation and shuffling, one run set per seed (empty: the trainer options' seed).</param>
/// <param name="HeldOutFraction">With one fold, the fraction held out for validation and again for test.</param>
public sealed record GraphProtocolOptions(int Folds = GraphProtocolOptions.Defaults.Folds, IReadOnlyList<int>? Seeds = null, double HeldOutFraction = GraphDataset.Defaults.HeldOutFraction)
{
    /// <summary>Default values (also those of <c>pipelines graph train</c>).</summary>
    public static class Defaults
    {
        /// <summary>One seeded split (use 10 for the TU protocol).</summary>
        public const int Folds = 1;
    }

    /// <summary>The seeds to run: <see cref="Seeds"/>, or <paramref name="fallback"/> alone when none are given.</summary>
    /// <param name="fallback">The seed used when <see cref="Seeds"/> is empty.</param>
    /// <returns>The seeds, in order.</returns>
    public IReadOnlyList<int> SeedsOr(int fallback) => Seeds is { Count: > 0 } s ? s : [fallback];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for invalid settings.</summary>
    public void Validate()
    {
        if (Folds is < 1 or 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Folds), Folds, "Folds is 1 (one split) or at least 3 (one fold tests, one validates, the rest train).");
        }

        if (!(HeldOutFraction > 0 && HeldOutFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(HeldOutFraction), HeldOutFraction, "The held-out fraction must be in (0, 0.5).");
        }

        if (Seeds is not null && Seeds.Distinct().Count() != Seeds.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Seeds), string.Join(",", Seeds), "Seeds must be distinct.");
        }
    }

    /// <summary>The splits of one seed.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="seed">The seed.</param>
    /// <returns>One split, or <see cref="Folds"/> folds.</returns>
    public IReadOnlyList<GraphDatasetSplit> Splits(GraphDataset data, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Folds == 1 ? [data.Split(HeldOutFraction, seed)] : data.StratifiedFolds(Folds, seed);
    }
}

/// <summary>One training run of a protocol.</summary>
/// <param name="Seed">Its seed.</param>
/// <param name="Fold">Its 0-based fold (0 with one split).</param>
/// <param name="ValidMetric">Validation accuracy or MAE at the best epoch.</param>
/// <param name="TestMetric">Test accuracy or MAE.</param>
/// <param name="BestEpoch">The 1-based epoch kept.</param>
/// <param name="Seconds">Wall time of its training and evaluation.</param>
public sealed record GraphProtocolRun(int Seed, int Fold, double ValidMetric, double TestMetric, int BestEpoch, double Seconds)
{
    /// <summary>Gets the epochs that ran (fewer than asked when early stopping ended the run).</summary>
    public int EpochsRun { get; init; }
}

/// <summary>The outcome of <see cref="GraphProtocol.Run"/>: every run, their mean ± std, and the best-validation model.</summary>
/// <param name="Runs">Every run, by seed then fold.</param>
/// <param name="Best">The run with the best validation metric (ties: the first), with its model.</param>
/// <param name="BestRun">Which run <paramref name="Best"/> is.</param>
public sealed record GraphProtocolResult(IReadOnlyList<GraphProtocolRun> Runs, GraphTrainingResult Best, GraphProtocolRun BestRun)
{
    /// <summary>Mean validation metric over runs.</summary>
    public double ValidMean => Runs.Average(r => r.ValidMetric);

    /// <summary>Standard deviation of the validation metric over runs (population, ddof 0; 0 for one run).</summary>
    public double ValidStd => GraphProtocol.Std(Runs.Select(r => r.ValidMetric));

    /// <summary>Mean test metric over runs.</summary>
    public double TestMean => Runs.Average(r => r.TestMetric);

    /// <summary>Standard deviation of the test metric over runs (population, ddof 0, as the TU papers report; 0 for one run).</summary>
    public double TestStd => GraphProtocol.Std(Runs.Select(r => r.TestMetric));
}

/// <summary>
/// Runs a <see cref="GraphProtocolOptions"/>: the encoding is precomputed once, then for every seed and split a model is
/// trained (<see cref="GraphTrainingJob.Run"/>) with that seed for the split, the initialisation (GINE and SPE) and the
/// shuffling. Same seeds ⇒ same runs on CPU.
/// </summary>
public static class GraphProtocol
{
    /// <summary>Runs the protocol.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="protocol">Folds and seeds.</param>
    /// <param name="encoding">The encoding for a seed (SPE's φ/ρ initialisation takes it).</param>
    /// <param name="backbone">The GINE settings for a seed.</param>
    /// <param name="options">Optimisation settings; the seed is replaced by each run's, and a checkpoint directory gets one sub-folder per run.</param>
    /// <param name="started">Called before each run with its seed, fold and prepared job (e.g. to print a header).</param>
    /// <param name="progress">Receives each run's epoch reports.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>Every run and the best-validation model.</returns>
    public static GraphProtocolResult Run(
        GraphDataset data, GraphProtocolOptions protocol, Func<int, GraphEncoding> encoding, Func<int, GineOptions> backbone, GraphTrainerOptions options,
        Action<int, int, GraphTrainingJob>? started = null, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(encoding);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(options);
        protocol.Validate();
        IReadOnlyList<int> seeds = protocol.SeedsOr(options.Seed);
        var watch = Stopwatch.StartNew();
        PrecomputedEncoding[] all = PrecomputedEncoding.ComputeMany(data.Graphs, encoding(seeds[0]), cancellationToken: cancellationToken);
        double encodingSeconds = watch.Elapsed.TotalSeconds;
        bool single = seeds.Count == 1 && protocol.Folds == 1;
        var runs = new List<GraphProtocolRun>();
        GraphTrainingResult? best = null;
        GraphProtocolRun? bestRun = null;
        foreach (int seed in seeds)
        {
            IReadOnlyList<GraphDatasetSplit> splits = protocol.Splits(data, seed);
            for (int fold = 0; fold < splits.Count; fold++)
            {
                GraphTrainingJob job = GraphTrainingJob.Prepare(data, splits[fold], encoding(seed), all, encodingSeconds);
                started?.Invoke(seed, fold, job);
                string? checkpoint = options.CheckpointDirectory is { } dir && !single ? Path.Combine(dir, $"seed{seed}-fold{fold}") : options.CheckpointDirectory;
                var runWatch = Stopwatch.StartNew();
                GraphTrainingResult result = job.Run(backbone(seed), options with { Seed = seed, CheckpointDirectory = checkpoint }, progress, cancellationToken);
                var run = new GraphProtocolRun(seed, fold, result.ValidMetric, result.TestMetric, result.BestEpoch, runWatch.Elapsed.TotalSeconds) { EpochsRun = result.EpochsRun };
                runs.Add(run);
                if (best is null || Better(result.ValidMetric, best.ValidMetric, data.IsClassification))
                {
                    best = result;
                    bestRun = run;
                }
            }
        }

        return new GraphProtocolResult(runs, best!, bestRun!);
    }

    /// <summary>Population standard deviation (ddof 0).</summary>
    internal static double Std(IEnumerable<double> values)
    {
        double[] v = values.ToArray();
        if (v.Length < 2)
        {
            return 0;
        }

        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }

    private static bool Better(double candidate, double incumbent, bool classification) =>
        classification ? candidate > incumbent : candidate < incumbent;
}
