namespace Pipelines.Numerics.Topology;

/// <summary>
/// One interval <c>[Birth, Death)</c> of a persistence barcode in homology degree <see cref="Dimension"/>.
/// An essential class (never dies within the filtration) has <see cref="Death"/> = <see cref="float.PositiveInfinity"/>.
/// </summary>
/// <param name="Dimension">Homology degree of the class.</param>
/// <param name="Birth">Filtration value at which the class appears.</param>
/// <param name="Death">Filtration value at which the class dies, or +∞.</param>
public readonly record struct PersistencePair(int Dimension, float Birth, float Death)
{
    /// <summary>Gets a value indicating whether the class never dies (Death = +∞).</summary>
    public bool IsEssential => float.IsPositiveInfinity(Death);

    /// <summary>Gets <c>Death − Birth</c> (+∞ for essential classes).</summary>
    public float Persistence => Death - Birth;
}
