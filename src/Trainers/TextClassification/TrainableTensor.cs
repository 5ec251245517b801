namespace Pipelines.Trainers.TextClassification;

/// <summary>A float initializer whose gradient a <see cref="GradientSession"/> computes (values read in place).</summary>
/// <param name="Name">The initializer name.</param>
/// <param name="Dims">The shape.</param>
/// <param name="Values">The values, row-major.</param>
internal sealed record TrainableTensor(string Name, long[] Dims, float[] Values);
