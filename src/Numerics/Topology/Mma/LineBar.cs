namespace Pipelines.Numerics.Topology;

/// <summary>
/// A bar [Birth, Death) of a barcode on a slope-1 line x₂ = x₁ + c, in the line's first coordinate s (the point
/// (s, s + c)); along such a line the ℓ∞ distance between two points is the difference of their s.
/// </summary>
/// <param name="Birth">s at which the class is born.</param>
/// <param name="Death">s at which it dies, or +∞.</param>
public readonly record struct LineBar(float Birth, float Death)
{
    /// <summary>Gets Death − Birth (+∞ for an essential bar).</summary>
    public float Length => Death - Birth;
}

/// <summary>A point (X, Y) of the parameter plane: a birth corner or a death corner of an MMA summand.</summary>
/// <param name="X">First parameter.</param>
/// <param name="Y">Second parameter.</param>
public readonly record struct MmaCorner(float X, float Y);
