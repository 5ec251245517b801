using System.Diagnostics.CodeAnalysis;

namespace Pipelines.Numerics.Topology;

/// <summary>
/// Pauling electronegativity χ of the elements by atomic number (CRC Handbook values; H 2.20, C 2.55, N 3.04,
/// O 3.44, F 3.98, Cl 3.16, Br 2.96, I 2.66, …): the vertex function <see cref="GraphVertexFunctionKind.Electronegativity"/>
/// of molecular graphs whose node labels are atomic numbers (TU sets such as COX2, BZR, DHFR). Noble gases without a
/// Pauling value (He, Ne, Ar) are absent.
/// </summary>
public static class PaulingElectronegativity
{
    // Index = atomic number Z (1..86); NaN = no Pauling value.
    private static readonly float[] s_chi =
    [
        float.NaN,
        2.20f, float.NaN, // H, He
        0.98f, 1.57f, 2.04f, 2.55f, 3.04f, 3.44f, 3.98f, float.NaN, // Li..Ne
        0.93f, 1.31f, 1.61f, 1.90f, 2.19f, 2.58f, 3.16f, float.NaN, // Na..Ar
        0.82f, 1.00f, 1.36f, 1.54f, 1.63f, 1.66f, 1.55f, 1.83f, 1.88f, 1.91f, 1.90f, 1.65f, // K..Zn
        1.81f, 2.01f, 2.18f, 2.55f, 2.96f, 3.00f, // Ga..Kr
        0.82f, 0.95f, 1.22f, 1.33f, 1.60f, 2.16f, 1.90f, 2.20f, 2.28f, 2.20f, 1.93f, 1.69f, // Rb..Cd
        1.78f, 1.96f, 2.05f, 2.10f, 2.66f, 2.60f, // In..Xe
        0.79f, 0.89f, // Cs, Ba
        1.10f, 1.12f, 1.13f, 1.14f, 1.13f, 1.17f, 1.20f, 1.20f, 1.22f, 1.23f, 1.24f, 1.24f, 1.25f, 1.10f, 1.27f, // La..Lu
        1.30f, 1.50f, 2.36f, 1.90f, 2.20f, 2.20f, 2.28f, 2.54f, 2.00f, // Hf..Hg
        1.62f, 2.33f, 2.02f, 2.00f, 2.20f, 2.20f, // Tl..Rn
    ];

    /// <summary>Gets the largest atomic number in the table (Rn, 86).</summary>
    public static int MaxAtomicNumber => s_chi.Length - 1;

    /// <summary>Looks up χ(Z).</summary>
    /// <param name="atomicNumber">Z.</param>
    /// <param name="chi">χ, or NaN when Z has no Pauling value here.</param>
    /// <returns>Whether Z is in the table.</returns>
    public static bool TryGet(int atomicNumber, out float chi)
    {
        chi = atomicNumber > 0 && atomicNumber < s_chi.Length ? s_chi[atomicNumber] : float.NaN;
        return !float.IsNaN(chi);
    }

    /// <summary>χ of every node from its atomic number (node labels as <c>float</c>, integral).</summary>
    /// <param name="atomicNumbers">One atomic number per node.</param>
    /// <returns>χ per node.</returns>
    /// <exception cref="UnknownAtomException">A label is not an atomic number with a Pauling value (names the node and label).</exception>
    public static float[] Of(ReadOnlySpan<float> atomicNumbers)
    {
        var chi = new float[atomicNumbers.Length];
        for (int v = 0; v < chi.Length; v++)
        {
            float z = atomicNumbers[v];
            if (z != MathF.Round(z) || !TryGet((int)z, out chi[v]))
            {
                throw new UnknownAtomException(v, z);
            }
        }

        return chi;
    }
}

/// <summary>A node label that is not an atomic number with a Pauling electronegativity.</summary>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Always built with the node and its label.")]
public sealed class UnknownAtomException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="node">The node (0-based within its graph).</param>
    /// <param name="label">Its label.</param>
    public UnknownAtomException(int node, float label)
        : base(FormattableString.Invariant($"Node {node} has label {label}, which is not an atomic number with a Pauling electronegativity (1–{PaulingElectronegativity.MaxAtomicNumber}, noble gases He, Ne, Ar excepted)."))
    {
        Node = node;
        Label = label;
    }

    /// <summary>Gets the node.</summary>
    public int Node { get; }

    /// <summary>Gets the label.</summary>
    public float Label { get; }
}
