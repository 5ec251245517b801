namespace Pipelines.Export.Calibration;

/// <summary>How <see cref="SyntheticTokens"/> draws word ids.</summary>
public enum TokenDistribution
{
    /// <summary>Zipf law over vocabulary rank from the first whole word on (WordPiece vocabularies are frequency-ordered).</summary>
    Zipf,

    /// <summary>Uniform over <c>[FirstWordId, vocabulary size)</c>.</summary>
    Uniform,
}
