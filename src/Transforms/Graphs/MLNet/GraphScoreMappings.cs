using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Pipelines.Transforms.Graphs.MLNet;

/// <summary>The ONNX regression output of one row.</summary>
internal sealed class GraphScoreVector
{
    /// <summary>The <c>(1, 1)</c> model output.</summary>
    [ColumnName(GraphScoringColumns.ScoreVector)]
    public float[] ScoreVector { get; set; } = [];
}

/// <summary>The ML.NET regression columns.</summary>
internal sealed class GraphRegressionScore
{
    /// <summary>The predicted value.</summary>
    public float Score { get; set; }
}

/// <summary>
/// Unwraps the ONNX <c>(1, 1)</c> output into ML.NET's scalar <c>Score</c> (ONNX outputs always become vector columns).
/// Stateless, so <c>mlContext.Model.Load</c> restores it from its contract name.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class GraphRegressionScoreMapping : CustomMappingFactory<GraphScoreVector, GraphRegressionScore>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Graphs.RegressionScore.v1";

    /// <inheritdoc />
    public override Action<GraphScoreVector, GraphRegressionScore> GetMapping() =>
        (input, output) => output.Score = Single(input.ScoreVector, GraphScoringColumns.ScoreVector);

    internal static T Single<T>(T[] values, string column) =>
        values.Length == 1 ? values[0] : throw new InvalidDataException($"Column '{column}' holds {values.Length} values, expected 1.");
}

/// <summary>The ONNX binary outputs of one row.</summary>
internal sealed class GraphBinaryVectors
{
    /// <summary>The logit margin z₁ − z₀, <c>(1, 1)</c>.</summary>
    [ColumnName(GraphScoringColumns.ScoreVector)]
    public float[] ScoreVector { get; set; } = [];

    /// <summary>σ(z₁ − z₀), <c>(1, 1)</c>.</summary>
    [ColumnName(GraphScoringColumns.ProbabilityVector)]
    public float[] ProbabilityVector { get; set; } = [];
}

/// <summary>The ML.NET binary-classification columns.</summary>
internal sealed class GraphBinaryScore
{
    /// <summary>The logit margin z₁ − z₀ (positive means class 1).</summary>
    public float Score { get; set; }

    /// <summary>P(class 1) = σ(Score).</summary>
    public float Probability { get; set; }

    /// <summary><c>Score &gt; 0</c>.</summary>
    public bool PredictedLabel { get; set; }
}

/// <summary>Unwraps the ONNX binary outputs into ML.NET's <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c>.</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class GraphBinaryScoreMapping : CustomMappingFactory<GraphBinaryVectors, GraphBinaryScore>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Graphs.BinaryScore.v1";

    /// <inheritdoc />
    public override Action<GraphBinaryVectors, GraphBinaryScore> GetMapping() =>
        (input, output) =>
        {
            output.Score = GraphRegressionScoreMapping.Single(input.ScoreVector, GraphScoringColumns.ScoreVector);
            output.Probability = GraphRegressionScoreMapping.Single(input.ProbabilityVector, GraphScoringColumns.ProbabilityVector);
            output.PredictedLabel = output.Score > 0;
        };
}

/// <summary>The ONNX multiclass arg-max of one row.</summary>
internal sealed class GraphPredictedKeyVector
{
    /// <summary>Arg-max class + 1, <c>(1)</c>.</summary>
    [ColumnName(GraphScoringColumns.PredictedKeyVector)]
    public uint[] PredictedKeyVector { get; set; } = [];
}

/// <summary>The 1-based predicted class before it becomes a key column.</summary>
internal sealed class GraphPredictedIndex
{
    /// <summary>Arg-max class + 1.</summary>
    [ColumnName(GraphScoringColumns.PredictedIndex)]
    public uint PredictedIndex { get; set; }
}

/// <summary>Unwraps the ONNX arg-max into a scalar (then converted to a key column of the class count).</summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class GraphPredictedIndexMapping : CustomMappingFactory<GraphPredictedKeyVector, GraphPredictedIndex>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.Graphs.PredictedIndex.v1";

    /// <inheritdoc />
    public override Action<GraphPredictedKeyVector, GraphPredictedIndex> GetMapping() =>
        (input, output) => output.PredictedIndex = GraphRegressionScoreMapping.Single(input.PredictedKeyVector, GraphScoringColumns.PredictedKeyVector);
}
