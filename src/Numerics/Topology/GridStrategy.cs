namespace Pipelines.Numerics.Topology;

/// <summary>How a one-dimensional filtration grid is chosen from observed values.</summary>
public enum GridStrategy
{
    /// <summary><c>resolution</c> evenly spaced values from the (tail-trimmed) minimum to maximum.</summary>
    Regular,

    /// <summary><c>resolution</c> empirical quantiles of the (tail-trimmed) values.</summary>
    Quantile,

    /// <summary>Every distinct value (resolution ignored): exact, possibly large.</summary>
    Exact,
}
