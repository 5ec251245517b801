namespace Pipelines.Transforms.Graphs;

/// <summary>
/// Maps atom type keys (<see cref="Atom.TypeKey"/>) to dense node-type indices. Index 0 is reserved for types not seen
/// when the vocabulary was built; known keys follow in ordinal order, so the mapping does not depend on data order.
/// </summary>
public sealed class AtomTypeVocabulary
{
    /// <summary>The key of the reserved unknown type.</summary>
    public const string UnknownKey = "<unk>";

    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a vocabulary over <paramref name="keys"/> (duplicates ignored).</summary>
    public AtomTypeVocabulary(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = [UnknownKey, .. keys.Distinct(StringComparer.Ordinal).Where(k => k != UnknownKey).Order(StringComparer.Ordinal)];
        _index = Keys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>All keys; position = type index.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Number of node types including the unknown type.</summary>
    public int Count => Keys.Count;

    /// <summary>The index of <paramref name="key"/>, 0 when unknown.</summary>
    public int IndexOf(string key) => _index.GetValueOrDefault(key, 0);

    /// <summary>A vocabulary of every atom type in <paramref name="molecules"/>.</summary>
    public static AtomTypeVocabulary Build(IEnumerable<Molecule> molecules)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        return new AtomTypeVocabulary(molecules.SelectMany(m => m.Atoms).Select(a => a.TypeKey));
    }

    /// <summary>
    /// The molecule as a <see cref="Graph"/>: node type = atom type index, edge type = <see cref="BondOrder"/> value.
    /// </summary>
    public Graph ToGraph(Molecule molecule, float target = float.NaN, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(molecule);
        int[] types = molecule.Atoms.Select(a => IndexOf(a.TypeKey)).ToArray();
        int[] src = molecule.Bonds.Select(b => b.A).ToArray();
        int[] dst = molecule.Bonds.Select(b => b.B).ToArray();
        int[] bondTypes = molecule.Bonds.Select(b => (int)b.Order).ToArray();
        return new Graph(types.Length, src, dst, types, bondTypes, null, target, id ?? molecule.Smiles);
    }
}
