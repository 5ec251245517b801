namespace Pipelines.Transforms.Graphs.Datasets;

/// <summary>A seeded partition of a data set's graph indices into train, validation and test parts.</summary>
/// <param name="Train">Indices of the training graphs.</param>
/// <param name="Valid">Indices of the validation graphs.</param>
/// <param name="Test">Indices of the test graphs.</param>
public sealed record GraphDatasetSplit(IReadOnlyList<int> Train, IReadOnlyList<int> Valid, IReadOnlyList<int> Test);

/// <summary>
/// A labelled graph data set as the graph use cases consume it: a TU folder (<see cref="TuDatasetReader"/>) or a SMILES
/// CSV (<see cref="SmilesCsvReader"/> + <see cref="AtomTypeVocabulary"/>), with the widths a model needs.
/// </summary>
/// <param name="Name">Display name (the TU name, or the CSV file name without extension).</param>
/// <param name="Graphs">The graphs; <see cref="Graph.Target"/> holds the class index or the regression value (NaN when unlabelled).</param>
/// <param name="NodeTypeCount">Node-type one-hot width (at least 1).</param>
/// <param name="EdgeTypeCount">Edge-type one-hot width (at least 1).</param>
/// <param name="ClassCount">Number of classes, 0 for regression.</param>
/// <param name="NodeTypeKeys">The atom-type vocabulary of a SMILES data set, or <see langword="null"/>.</param>
public sealed record GraphDataset(string Name, IReadOnlyList<Graph> Graphs, int NodeTypeCount, int EdgeTypeCount, int ClassCount, IReadOnlyList<string>? NodeTypeKeys)
{
    /// <summary>Default values (also those of <c>pipelines graph train</c>).</summary>
    public static class Defaults
    {
        /// <summary>Fraction held out for validation and again for test.</summary>
        public const double HeldOutFraction = 0.1;
    }

    /// <summary>Gets a value indicating whether the targets are class indices.</summary>
    public bool IsClassification => ClassCount > 0;

    /// <summary>Loads <paramref name="path"/>: a folder is read as a TU data set, a file as a SMILES CSV.</summary>
    /// <param name="path">TU folder or CSV file.</param>
    /// <param name="targetColumn">The CSV's numeric target column (regression), or <see langword="null"/> for unlabelled graphs.</param>
    /// <param name="smilesColumn">The CSV's SMILES column; <see langword="null"/> picks the first whose name contains "smiles".</param>
    /// <returns>The data set.</returns>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> is neither a folder nor a file, or a TU file is missing.</exception>
    /// <exception cref="GraphFormatException">A malformed line (file and line named).</exception>
    public static GraphDataset Load(string path, string? targetColumn = null, string? smilesColumn = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return FromTu(TuDatasetReader.Read(path));
        }

        return File.Exists(path)
            ? ReadSmilesCsv(path, smilesColumn, targetColumn)
            : throw new FileNotFoundException($"'{path}' is neither a TU folder nor a CSV file.", path);
    }

    /// <summary>The graphs of a TU data set; integer graph labels become classes, others regression targets.</summary>
    /// <param name="tu">The data set read by <see cref="TuDatasetReader"/>.</param>
    /// <returns>The data set.</returns>
    public static GraphDataset FromTu(TuDataset tu)
    {
        ArgumentNullException.ThrowIfNull(tu);
        return new GraphDataset(tu.Name, tu.Graphs, Math.Max(1, tu.NodeTypeCount), Math.Max(1, tu.EdgeTypeCount), tu.ClassLabels.Count, null);
    }

    /// <summary>
    /// Reads a SMILES CSV: atom types are numbered over the whole file (<see cref="AtomTypeVocabulary"/>), bond orders
    /// are the edge types, and each graph's id is <c>file:line</c>.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="smilesColumn">The SMILES column, or <see langword="null"/> for the first whose name contains "smiles".</param>
    /// <param name="targetColumn">The numeric target column, or <see langword="null"/>.</param>
    /// <returns>The data set (regression, or unlabelled without a target column).</returns>
    public static GraphDataset ReadSmilesCsv(string path, string? smilesColumn = null, string? targetColumn = null)
    {
        IReadOnlyList<SmilesRecord> rows = SmilesCsvReader.Read(path, smilesColumn, targetColumn);
        var vocabulary = AtomTypeVocabulary.Build(rows.Select(r => r.Molecule));
        string file = Path.GetFileName(path);
        var graphs = rows.Select(r => vocabulary.ToGraph(r.Molecule, r.Target, $"{file}:{r.Line}")).ToList();
        return new GraphDataset(Path.GetFileNameWithoutExtension(path), graphs, vocabulary.Count, Enum.GetValues<BondOrder>().Length, 0, vocabulary.Keys);
    }

    /// <summary>
    /// A seeded split: the indices are shuffled with <c>new Random(seed)</c>; the first
    /// <c>max(1, ⌊fraction·n⌋)</c> are the test part, the next as many the validation part, the rest the training part.
    /// </summary>
    /// <param name="heldOutFraction">Fraction held out for validation and again for test, in (0, 0.5).</param>
    /// <param name="seed">Shuffling seed; the same seed gives the same split.</param>
    /// <returns>Three disjoint index lists covering every graph.</returns>
    public GraphDatasetSplit Split(double heldOutFraction, int seed)
    {
        if (!(heldOutFraction > 0 && heldOutFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, "The held-out fraction must be in (0, 0.5).");
        }

        int[] order = Enumerable.Range(0, Graphs.Count).ToArray();
        new Random(seed).Shuffle(order);
        int held = Math.Max(1, (int)(heldOutFraction * order.Length));
        return new GraphDatasetSplit(order.Skip(2 * held).ToArray(), order.Skip(held).Take(held).ToArray(), order.Take(held).ToArray());
    }

    /// <summary>
    /// Stratified k-fold cross-validation (the TU benchmark protocol): split f tests on fold f, selects the epoch on fold
    /// f + 1 (mod k) and trains on the other k − 2 folds. Graphs are shuffled by <paramref name="seed"/>, sorted by class
    /// (regression: by target) and dealt round-robin, so each fold holds ⌊n_c/k⌋ or ⌈n_c/k⌉ graphs of every class c.
    /// </summary>
    /// <param name="folds">k, at least 3 and at most the graph count.</param>
    /// <param name="seed">Seed of the shuffle.</param>
    /// <returns>k splits; every graph is in exactly one test fold.</returns>
    public IReadOnlyList<GraphDatasetSplit> StratifiedFolds(int folds, int seed)
    {
        if (folds < 3 || folds > Graphs.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(folds), folds, $"Cross-validation needs 3 to {Graphs.Count} folds (one tests, one validates, the rest train).");
        }

        int[] order = Enumerable.Range(0, Graphs.Count).ToArray();
        new Random(seed).Shuffle(order);
        int[] sorted = order.OrderBy(i => Graphs[i].Target).ToArray(); // stable: ties keep the shuffled order
        var members = new List<int>[folds];
        for (int f = 0; f < folds; f++)
        {
            members[f] = [];
        }

        for (int r = 0; r < sorted.Length; r++)
        {
            members[r % folds].Add(sorted[r]);
        }

        var splits = new GraphDatasetSplit[folds];
        for (int f = 0; f < folds; f++)
        {
            int v = (f + 1) % folds;
            int[] train = Enumerable.Range(0, folds).Where(x => x != f && x != v).SelectMany(x => members[x]).Order().ToArray();
            splits[f] = new GraphDatasetSplit(train, [.. members[v].Order()], [.. members[f].Order()]);
        }

        return splits;
    }
}
