namespace Pipelines.Testing;

/// <summary>
/// Marks a test that runs <see cref="EstimatorWorkout.CheckMlNetConventions{TRow}"/> (save → load in a fresh context,
/// <c>PredictionEngine</c>) on the named estimator and transformer types; <see cref="EstimatorWorkout.CheckCoverage"/>
/// fails for a public estimator or transformer no such test names.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class WorkoutCoversAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="WorkoutCoversAttribute"/> class.</summary>
    /// <param name="types">The estimator and transformer types the test exercises.</param>
    public WorkoutCoversAttribute(params Type[] types) => Types = types;

    /// <summary>Gets the covered types.</summary>
    public IReadOnlyList<Type> Types { get; }
}
