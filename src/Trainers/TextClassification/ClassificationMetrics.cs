namespace Pipelines.Trainers.TextClassification;

/// <summary>Metrics of a classifier on a labelled set.</summary>
/// <param name="Accuracy">Fraction of rows whose arg-max class equals the label.</param>
/// <param name="MeanLoss">Mean cross-entropy −log p(label).</param>
/// <param name="MacroF1">Unweighted mean of per-class F1.</param>
/// <param name="Count">Rows evaluated.</param>
public sealed record ClassificationMetrics(double Accuracy, double MeanLoss, double MacroF1, int Count);
