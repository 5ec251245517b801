using Microsoft.ML;
using Pipelines.Trainers.Graphs.MLNet;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;

namespace Pipelines;

/// <summary>
/// Catalog entries of the GINE graph trainers: <c>mlContext.Regression.Trainers.Gine(…)</c>,
/// <c>mlContext.BinaryClassification.Trainers.Gine(…)</c> and <c>mlContext.MulticlassClassification.Trainers.Gine(…)</c>.
/// </summary>
public static class GineCatalog
{
    /// <summary>The score column.</summary>
    public const string ScoreColumn = "Score";

    /// <summary>The binary probability column.</summary>
    public const string ProbabilityColumn = "Probability";

    /// <summary>The predicted label column (Boolean, or a key for multiclass).</summary>
    public const string PredictedLabelColumn = "PredictedLabel";

    /// <summary>Intermediate 1-based predicted class (dropped from the output).</summary>
    public const string PredictedIndexColumn = GraphScoringColumns.PredictedIndex;

    /// <summary>GINE (+ LapPE/RWSE/SPE) regression on a graph column; outputs <c>Score</c>.</summary>
    /// <param name="catalog">The regression trainers.</param>
    /// <param name="options">Columns, encoding, backbone and budget.</param>
    public static GineEstimator Gine(this RegressionCatalog.RegressionTrainers catalog, GineTrainerOptions options) =>
        Create(catalog, options, GraphPredictionKind.Regression);

    /// <summary>Flat overload of <see cref="Gine(RegressionCatalog.RegressionTrainers, GineTrainerOptions)"/>.</summary>
    /// <param name="catalog">The regression trainers.</param>
    /// <param name="labelColumnName">The Single label column.</param>
    /// <param name="graphColumnName">The graph column.</param>
    /// <param name="encoding">The positional encoding (SPE by default).</param>
    /// <param name="epochs">Passes over the data.</param>
    public static GineEstimator Gine(this RegressionCatalog.RegressionTrainers catalog, string labelColumnName = "Label", string graphColumnName = "Graph", GraphEncoding? encoding = null, int epochs = 50) =>
        catalog.Gine(Flat(labelColumnName, graphColumnName, encoding, epochs));

    /// <summary>GINE (+ LapPE/RWSE/SPE) binary classification on a graph column; outputs <c>Score</c>, <c>Probability</c>, <c>PredictedLabel</c>.</summary>
    /// <param name="catalog">The binary classification trainers.</param>
    /// <param name="options">Columns, encoding, backbone and budget.</param>
    public static GineEstimator Gine(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, GineTrainerOptions options) =>
        Create(catalog, options, GraphPredictionKind.BinaryClassification);

    /// <summary>Flat overload of <see cref="Gine(BinaryClassificationCatalog.BinaryClassificationTrainers, GineTrainerOptions)"/>.</summary>
    /// <param name="catalog">The binary classification trainers.</param>
    /// <param name="labelColumnName">The Boolean label column.</param>
    /// <param name="graphColumnName">The graph column.</param>
    /// <param name="encoding">The positional encoding (SPE by default).</param>
    /// <param name="epochs">Passes over the data.</param>
    public static GineEstimator Gine(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, string labelColumnName = "Label", string graphColumnName = "Graph", GraphEncoding? encoding = null, int epochs = 50) =>
        catalog.Gine(Flat(labelColumnName, graphColumnName, encoding, epochs));

    /// <summary>GINE (+ LapPE/RWSE/SPE) multiclass classification on a graph column; outputs <c>Score</c> (probabilities) and <c>PredictedLabel</c> (key).</summary>
    /// <param name="catalog">The multiclass classification trainers.</param>
    /// <param name="options">Columns, encoding, backbone and budget.</param>
    public static GineEstimator Gine(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, GineTrainerOptions options) =>
        Create(catalog, options, GraphPredictionKind.MulticlassClassification);

    /// <summary>Flat overload of <see cref="Gine(MulticlassClassificationCatalog.MulticlassClassificationTrainers, GineTrainerOptions)"/>.</summary>
    /// <param name="catalog">The multiclass classification trainers.</param>
    /// <param name="labelColumnName">The key label column.</param>
    /// <param name="graphColumnName">The graph column.</param>
    /// <param name="encoding">The positional encoding (SPE by default).</param>
    /// <param name="epochs">Passes over the data.</param>
    public static GineEstimator Gine(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, string labelColumnName = "Label", string graphColumnName = "Graph", GraphEncoding? encoding = null, int epochs = 50) =>
        catalog.Gine(Flat(labelColumnName, graphColumnName, encoding, epochs));

    private static GineTrainerOptions Flat(string label, string graph, GraphEncoding? encoding, int epochs) => new()
    {
        LabelColumnName = label,
        GraphColumnName = graph,
        Encoding = encoding ?? new SpeEncoding(),
        Epochs = epochs,
    };

    private static GineEstimator Create(object catalog, GineTrainerOptions options, GraphPredictionKind kind)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);

        // CatalogUtils.GetEnvironment is internal and the trainers catalogs expose no MLContext, so the scoring chain is
        // built with a fresh context (it carries none of the caller's state).
        return new GineEstimator(new MLContext(options.Seed), options, kind);
    }
}
