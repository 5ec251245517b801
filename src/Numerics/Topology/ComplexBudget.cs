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

    private static string Describe(RipsComplexEstimate e, ComplexBudget b) =>
        $"Rips complex refused before construction: {e.Points} points, threshold {e.Threshold}, max dimension {e.MaxDimension} " +
        $"give up to {e.StoredSimplices:N0} stored simplices (budget {b.MaxSimplices:N0}) and ~{e.EstimatedBytes / (1 << 20):N0} MiB " +
        $"(budget {b.MaxBytes / (1 << 20):N0} MiB). Lower the threshold or the max dimension, or raise the budget.";
}
