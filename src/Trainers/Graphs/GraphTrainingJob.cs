using System.Diagnostics;
using System.Globalization;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;

namespace Pipelines.Trainers.Graphs;

/// <summary>The outcome of <see cref="GraphTrainingJob.Run"/>.</summary>
/// <param name="Model">The parameters of the best validation epoch.</param>
/// <param name="ValidMetric">Validation accuracy (classification) or MAE (regression).</param>
/// <param name="TestMetric">Test accuracy or MAE.</param>
/// <param name="BestEpoch">The 1-based epoch whose parameters the model keeps (the training run's best epoch).</param>
public sealed record GraphTrainingResult(GraphModel Model, double ValidMetric, double TestMetric, int BestEpoch)
{
    /// <summary>Gets the epochs that ran: the requested count, or fewer when early stopping ended the run (<see cref="GraphTrainerOptions.Patience"/>).</summary>
    public int EpochsRun { get; init; }
}

/// <summary>
/// The graph-training use case behind <c>pipelines graph train</c> and the SPE demo: <see cref="Prepare(GraphDataset, GraphDatasetSplit, GraphEncoding)"/> precomputes
/// the encoding of every graph once and cuts the split; <see cref="Run"/> trains GINE on the training part, keeps the
/// best validation epoch and scores the test part. The loss follows the data: cross-entropy for classes, L1 otherwise.
/// </summary>
public sealed class GraphTrainingJob
{
    private GraphTrainingJob(GraphDataset data, GraphEncoding encoding, GraphSplit train, GraphSplit valid, GraphSplit test, double encodingSeconds)
    {
        Data = data;
        Encoding = encoding;
        Train = train;
        Valid = valid;
        Test = test;
        EncodingSeconds = encodingSeconds;
    }

    /// <summary>Gets the data set.</summary>
    public GraphDataset Data { get; }

    /// <summary>Gets the positional encoding.</summary>
    public GraphEncoding Encoding { get; }

    /// <summary>Gets the training part.</summary>
    public GraphSplit Train { get; }

    /// <summary>Gets the validation part (model selection).</summary>
    public GraphSplit Valid { get; }

    /// <summary>Gets the test part.</summary>
    public GraphSplit Test { get; }

    /// <summary>Gets the wall time of the encoding precomputation, in seconds.</summary>
    public double EncodingSeconds { get; }

    /// <summary>Gets the metric's name: <c>accuracy</c> or <c>MAE</c>.</summary>
    public string MetricName => Data.IsClassification ? "accuracy" : "MAE";

    /// <summary>Precomputes <paramref name="encoding"/> for every graph and cuts <paramref name="split"/>.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="split">Indices of the three parts (e.g. <see cref="GraphDataset.Split"/>).</param>
    /// <param name="encoding">The positional encoding.</param>
    /// <returns>The prepared job.</returns>
    public static GraphTrainingJob Prepare(GraphDataset data, GraphDatasetSplit split, GraphEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(encoding);
        var watch = Stopwatch.StartNew();
        PrecomputedEncoding[] all = PrecomputedEncoding.ComputeMany(data.Graphs, encoding);
        return Prepare(data, split, encoding, all, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Cuts <paramref name="split"/> from encodings already computed for every graph of <paramref name="data"/> (folds and
    /// seeds share one precomputation: spectra, LapPE and RWSE do not depend on the seed).
    /// </summary>
    /// <param name="data">The data set.</param>
    /// <param name="split">Indices of the three parts.</param>
    /// <param name="encoding">The positional encoding the precomputation was made for (its SPE seed may differ).</param>
    /// <param name="precomputed">One entry per graph of <paramref name="data"/>.</param>
    /// <param name="encodingSeconds">The precomputation's wall time, reported by <see cref="EncodingSeconds"/>.</param>
    /// <returns>The prepared job.</returns>
    /// <exception cref="ArgumentException"><paramref name="precomputed"/> does not have one entry per graph.</exception>
    public static GraphTrainingJob Prepare(GraphDataset data, GraphDatasetSplit split, GraphEncoding encoding, IReadOnlyList<PrecomputedEncoding> precomputed, double encodingSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(encoding);
        ArgumentNullException.ThrowIfNull(precomputed);
        if (precomputed.Count != data.Graphs.Count)
        {
            throw new ArgumentException($"{precomputed.Count} precomputed encodings for {data.Graphs.Count} graphs.", nameof(precomputed));
        }

        GraphSplit Part(IReadOnlyList<int> indices) => new(indices.Select(i => data.Graphs[i]).ToList(), indices.Select(i => precomputed[i]).ToList());
        var job = new GraphTrainingJob(data, encoding, Part(split.Train), Part(split.Valid), Part(split.Test), encodingSeconds)
        {
            Cut = SpectrumCut.Of(precomputed.Select(p => p.Spectrum)),
        };
        return job;
    }

    /// <summary>
    /// Gets what eigengap truncation dropped over all graphs of the data set (<see cref="SpectrumCut.Spectra"/> is 0 for
    /// encodings without a spectrum).
    /// </summary>
    public SpectrumCut Cut { get; private init; } = new(0, 0, 0);

    /// <summary>The model definition for <paramref name="backbone"/>: schema and loss from the data, this job's encoding.</summary>
    /// <param name="backbone">The GINE settings.</param>
    /// <returns>The definition.</returns>
    public GraphModelDefinition Define(GineOptions backbone) => new(
        new GraphSchema(Data.NodeTypeCount, Data.EdgeTypeCount, 0, Data.IsClassification ? Data.ClassCount : 1),
        backbone,
        Encoding,
        Data.IsClassification ? GraphLoss.CrossEntropy : GraphLoss.L1);

    /// <summary>Trains, then evaluates the best epoch's model on the validation and test parts.</summary>
    /// <param name="backbone">The GINE settings.</param>
    /// <param name="options">Optimisation settings (a checkpoint directory makes the run resumable).</param>
    /// <param name="progress">Receives a report after every epoch.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The model and its metrics.</returns>
    /// <exception cref="PipelinesException">The checkpoint directory holds another run's checkpoint (<see cref="ErrorKind.Usage"/>) or a damaged one (<see cref="DataFormatException"/>).</exception>
    public GraphTrainingResult Run(GineOptions backbone, GraphTrainerOptions options, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(options);
        (GraphModel model, int bestEpoch, int epochsRun) = GraphTrainer.TrainKeepingBest(Define(backbone), Train, Valid, options, progress, Data.NodeTypeKeys, cancellationToken);
        return new GraphTrainingResult(model, GraphTrainer.Evaluate(model, Valid), GraphTrainer.Evaluate(model, Test), bestEpoch) { EpochsRun = epochsRun };
    }

    /// <summary>
    /// Writes the trained model as a model folder (<see cref="ModelFolder"/>): <c>model.onnx</c> (the graph model, φ/ρ
    /// included) and <c>pipelines.json</c> with the encoding, options and metrics, written last.
    /// </summary>
    /// <param name="directory">The output folder (created if needed; a <c>checkpoint/</c> inside it is left alone).</param>
    /// <param name="result">The trained model and its metrics.</param>
    /// <param name="backbone">The GINE options it was trained with.</param>
    /// <param name="options">The optimisation settings it was trained with.</param>
    /// <returns>The manifest as written.</returns>
    public ModelManifest WriteFolder(string directory, GraphTrainingResult result, GineOptions backbone, GraphTrainerOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(directory);
        result.Model.Save(Path.Combine(directory, ModelFolder.ModelFileName));
        CultureInfo c = CultureInfo.InvariantCulture;
        return ModelFolder.Write(directory, new ModelManifest
        {
            Producer = "graph train",
            Options = new Dictionary<string, string>
            {
                ["data"] = Data.Name,
                ["pe"] = Encoding.Name,
                ["hidden"] = backbone.HiddenSize.ToString(c),
                ["layers"] = backbone.Layers.ToString(c),
                ["epochs"] = options.Epochs.ToString(c),
                ["batch_size"] = options.BatchSize.ToString(c),
                ["lr"] = options.LearningRate.ToString("G", c),
                ["seed"] = options.Seed.ToString(c),
                ["batching"] = options.Batching.ToString(),
                ["message_passing"] = backbone.MessagePassing.ToString(),
                ["patience"] = options.Patience.ToString(c),
                ["plateau"] = options.Plateau is { } p ? $"factor {p.Factor.ToString("G", c)}, patience {p.Patience.ToString(c)}, min scale {p.MinScale.ToString("G", c)}" : "off",
            },
            Metrics = new Dictionary<string, double>
            {
                ["valid_" + MetricName.ToLowerInvariant()] = result.ValidMetric,
                ["test_" + MetricName.ToLowerInvariant()] = result.TestMetric,
                ["best_epoch"] = result.BestEpoch,
                ["epochs_run"] = result.EpochsRun,
            },
        });
    }
}
