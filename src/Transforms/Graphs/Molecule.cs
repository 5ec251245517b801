namespace Pipelines.Transforms.Graphs;

/// <summary>Bond order as written in SMILES.</summary>
public enum BondOrder
{
    /// <summary>Single bond (<c>-</c>, <c>/</c>, <c>\</c> or implicit between non-aromatic atoms).</summary>
    Single = 0,

    /// <summary>Double bond (<c>=</c>).</summary>
    Double = 1,

    /// <summary>Triple bond (<c>#</c>).</summary>
    Triple = 2,

    /// <summary>Aromatic bond (<c>:</c> or implicit between two aromatic atoms).</summary>
    Aromatic = 3,

    /// <summary>Quadruple bond (<c>$</c>).</summary>
    Quadruple = 4,
}

/// <summary>One atom of a parsed SMILES string (hydrogens are implicit unless written as bracket atoms).</summary>
/// <param name="Element">Element symbol, capitalised (<c>C</c>, <c>Cl</c>, <c>Se</c>; <c>*</c> for a wildcard).</param>
/// <param name="Aromatic">Written in lower case (<c>c</c>, <c>[nH]</c>).</param>
/// <param name="Charge">Formal charge.</param>
/// <param name="HydrogenCount">Explicit hydrogen count from a bracket atom, or <see langword="null"/> for organic-subset atoms.</param>
/// <param name="Chirality">Chirality mark (<c>@</c>, <c>@@</c>, <c>@TH1</c>…), empty when absent.</param>
/// <param name="Isotope">Isotope mass number, 0 when absent.</param>
public sealed record Atom(string Element, bool Aromatic, int Charge, int? HydrogenCount, string Chirality, int Isotope)
{
    /// <summary>
    /// The atom's type key, as in the ZINC vocabulary: element, explicit H count when written, charge — e.g.
    /// <c>C</c>, <c>N H1 +</c>, <c>O -</c>. Aromaticity is not part of the type (it is carried by the bonds).
    /// </summary>
    public string TypeKey =>
        Element
        + (HydrogenCount is > 0 ? $" H{HydrogenCount}" : "")
        + (Charge == 0 ? "" : Charge == 1 ? " +" : Charge == -1 ? " -" : $" {(Charge > 0 ? "+" : "-")}{Math.Abs(Charge)}");
}

/// <summary>A bond between atoms <paramref name="A"/> and <paramref name="B"/> (indices into <see cref="Molecule.Atoms"/>).</summary>
public sealed record Bond(int A, int B, BondOrder Order);

/// <summary>A molecule parsed from SMILES: heavy atoms (and bracket hydrogens) as nodes, bonds as edges.</summary>
public sealed record Molecule(string Smiles, IReadOnlyList<Atom> Atoms, IReadOnlyList<Bond> Bonds)
{
    /// <summary>Number of connected parts written with <c>.</c> (salts, counter-ions).</summary>
    public int PartCount { get; init; } = 1;
}
