namespace Pipelines.Numerics.Topology;

/// <summary>
/// Hard limits checked by the pre-flight estimate (<see cref="RipsComplexEstimate"/>) before a persistence
/// computation starts; exceeding one throws <see cref="ComplexBudgetExceededException"/>.
/// </summary>
/// <param name="MaxSimplices">Upper bound on stored simplices (dimensions 0..MaxDimension).</param>
/// <param name="MaxBytes">Upper bound on the estimated peak working memory in bytes.</param>
public sealed record ComplexBudget(long MaxSimplices, long MaxBytes)
{
    /// <summary>Gets the default budget: 200 million stored simplices and 4 GiB.</summary>
    public static ComplexBudget Default { get; } = new(200_000_000, 4L << 30);

    /// <summary>Gets a budget without limits.</summary>
    public static ComplexBudget Unlimited { get; } = new(long.MaxValue, long.MaxValue);
}

/// <summary>Thrown when the pre-flight estimate of a complex exceeds its <see cref="ComplexBudget"/>.</summary>
public sealed class ComplexBudgetExceededException : PipelinesException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="estimate">The estimate that exceeded the budget.</param>
    /// <param name="budget">The budget.</param>
    public ComplexBudgetExceededException(RipsComplexEstimate estimate, ComplexBudget budget)
        : base(ErrorKind.Resource, Describe(estimate, budget))
    {
        Estimate = estimate;
        Budget = budget;
    }

    /// <summary>Gets the estimate.</summary>
    public RipsComplexEstimate Estimate { get; }

    /// <summary>Gets the budget.</summary>
    public ComplexBudget Budget { get; }

    private static string Describe(RipsComplexEstimate e, ComplexBudget b)
    {
        string threshold = float.IsNaN(e.Threshold) ? "the enclosing radius" : e.Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string raise = "Subsample the points, lower the threshold or the max dimension, or raise the memory budget (--max-mib; ComplexBudget in code).";
        if ((double)e.Points * (e.Points - 1) / 2 > Array.MaxLength)
        {
            return $"Rips complex refused before computing distances: the distance matrix of {e.Points:N0} points has {(double)e.Points * (e.Points - 1) / 2:N0} entries, " +
                $"more than one array can hold ({Array.MaxLength:N0}; ~{e.EstimatedBytes / (1 << 20):N0} MiB estimated). Subsample the points.";
        }

        return e.BeforeDistances
            ? $"Rips complex refused before computing distances: {e.Points:N0} points (threshold {threshold}, max dimension {e.MaxDimension}) need ~{e.EstimatedBytes / (1 << 20):N0} MiB " +
              $"for the {(double)e.Points * (e.Points - 1) / 2:N0}-entry distance matrix{(e.StoredSimplices > e.Points ? $" and up to {e.StoredSimplices:N0} stored simplices" : "")} (budget {b.MaxBytes / (1 << 20):N0} MiB, {b.MaxSimplices:N0} simplices). {raise}"
            : $"Rips complex refused before construction: {e.Points:N0} points, threshold {threshold}, max dimension {e.MaxDimension} " +
              $"give up to {e.StoredSimplices:N0} stored simplices (budget {b.MaxSimplices:N0}) and ~{e.EstimatedBytes / (1 << 20):N0} MiB " +
              $"(budget {b.MaxBytes / (1 << 20):N0} MiB). {raise}";
    }
}
