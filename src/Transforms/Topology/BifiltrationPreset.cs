using System.Diagnostics.CodeAnalysis;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Transforms.Topology;

/// <summary>
/// A named bifiltration with its constants, as <c>pipelines topo vectorize --filtration</c> selects it: function-Rips
/// with a codensity for point clouds and series (<c>rips-kde</c>, <c>rips-dtm</c>, <c>rips-knn</c>), or a pair of
/// vertex functions for graphs (<c>graph-hks-ricci</c>, <c>graph-hks-degree</c>, <c>graph-degree-closeness</c>; for
/// molecules whose node labels are atomic numbers, <c>graph-hks-electronegativity</c> and
/// <c>graph-electronegativity-degree</c>, the COX2 recipe of docs/topology-recipes.md).
/// </summary>
/// <remarks>
/// The codensity constants: Gaussian KDE bandwidth h = 0.3, k = 5 nearest neighbours, DTM mass 0.1. Graph presets
/// carry the DTM constants too (unused for graphs; kept so saved transformers stay byte-identical).
/// </remarks>
public sealed record BifiltrationPreset
{
    private BifiltrationPreset(string name, bool forGraphs, CodensityKind codensity, float codensityParameter, GraphVertexFunctionKind first, GraphVertexFunctionKind second)
    {
        Name = name;
        ForGraphs = forGraphs;
        Codensity = codensity;
        CodensityParameter = codensityParameter;
        First = first;
        Second = second;
    }

    /// <summary>Gets function-Rips with the Gaussian-KDE codensity, bandwidth h = 0.3.</summary>
    public static BifiltrationPreset RipsKde { get; } = RipsPreset("rips-kde", CodensityKind.GaussianKde, 0.3f);

    /// <summary>Gets function-Rips with the distance-to-measure codensity, mass 0.1 (the default preset).</summary>
    public static BifiltrationPreset RipsDtm { get; } = RipsPreset("rips-dtm", CodensityKind.DistanceToMeasure, 0.1f);

    /// <summary>Gets function-Rips with the mean distance to the k = 5 nearest neighbours.</summary>
    public static BifiltrationPreset RipsKnn { get; } = RipsPreset("rips-knn", CodensityKind.KnnDistance, 5f);

    /// <summary>Gets the graph bifiltration by heat-kernel signature and Forman–Ricci curvature.</summary>
    public static BifiltrationPreset GraphHksRicci { get; } = GraphPreset("graph-hks-ricci", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.FormanRicci);

    /// <summary>Gets the graph bifiltration by heat-kernel signature and degree.</summary>
    public static BifiltrationPreset GraphHksDegree { get; } = GraphPreset("graph-hks-degree", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Degree);

    /// <summary>Gets the graph bifiltration by degree and closeness.</summary>
    public static BifiltrationPreset GraphDegreeCloseness { get; } = GraphPreset("graph-degree-closeness", GraphVertexFunctionKind.Degree, GraphVertexFunctionKind.Closeness);

    /// <summary>
    /// Gets the molecular bifiltration by heat-kernel signature and Pauling electronegativity of the atoms (node labels
    /// = atomic numbers): the COX2 recipe, chosen in 18 of 20 nested-CV folds (docs/topology-recipes.md).
    /// </summary>
    public static BifiltrationPreset GraphHksElectronegativity { get; } = GraphPreset("graph-hks-electronegativity", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Electronegativity);

    /// <summary>Gets the molecular bifiltration by Pauling electronegativity of the atoms and degree.</summary>
    public static BifiltrationPreset GraphElectronegativityDegree { get; } = GraphPreset("graph-electronegativity-degree", GraphVertexFunctionKind.Electronegativity, GraphVertexFunctionKind.Degree);

    /// <summary>Gets the default preset, <see cref="RipsDtm"/>.</summary>
    public static BifiltrationPreset Default => RipsDtm;

    /// <summary>Gets every preset, point presets first.</summary>
    public static IReadOnlyList<BifiltrationPreset> All { get; } = [RipsKde, RipsDtm, RipsKnn, GraphHksRicci, GraphHksDegree, GraphDegreeCloseness, GraphHksElectronegativity, GraphElectronegativityDegree];

    /// <summary>Gets the preset's name (<c>rips-dtm</c>, …).</summary>
    public string Name { get; }

    /// <summary>Gets a value indicating whether the preset filters graphs (otherwise point clouds and series).</summary>
    public bool ForGraphs { get; }

    /// <summary>Gets the codensity of the function-Rips presets.</summary>
    public CodensityKind Codensity { get; }

    /// <summary>Gets the codensity parameter (KDE bandwidth, DTM mass or k).</summary>
    public float CodensityParameter { get; }

    /// <summary>Gets the first vertex function of the graph presets.</summary>
    public GraphVertexFunctionKind First { get; }

    /// <summary>Gets the second vertex function of the graph presets.</summary>
    public GraphVertexFunctionKind Second { get; }

    /// <summary>Gets a value indicating whether the preset reads node labels (atomic numbers for the electronegativity).</summary>
    public bool NeedsNodeLabels => ForGraphs && (First == GraphVertexFunctionKind.Electronegativity || Second == GraphVertexFunctionKind.Electronegativity);

    /// <summary>Finds a preset by name, ignoring case and dashes (<c>rips-dtm</c>, <c>RipsDtm</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="preset">The preset found, or <see langword="null"/>.</param>
    /// <returns>Whether a preset has that name.</returns>
    public static bool TryParse(string? name, [NotNullWhen(true)] out BifiltrationPreset? preset)
    {
        string key = Key(name ?? string.Empty);
        preset = All.FirstOrDefault(p => Key(p.Name) == key);
        return preset is not null;
    }

    /// <summary>Whether the preset fits the rows of <paramref name="kind"/> (graph presets for graphs, Rips presets otherwise).</summary>
    /// <param name="kind">The data kind.</param>
    /// <returns><see langword="true"/> when it fits.</returns>
    public bool Fits(TopologyDataKind kind) => ForGraphs == (kind == TopologyDataKind.Graphs);

    /// <summary>
    /// Signed-measure options over <paramref name="data"/> with this bifiltration and the other options at their
    /// defaults; the features replace the column <see cref="TopologyDataset.ValuesColumnName"/>, node counts are read
    /// from <see cref="TopologyDataset.NodeCountColumnName"/>.
    /// </summary>
    /// <param name="data">The data set (its kind picks the input; its point dimension is used for clouds).</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">The preset does not fit the data (a graph preset on points, or the reverse).</exception>
    /// <exception cref="DataFormatException">
    /// An electronegativity preset on rows without node labels, or with a label that is not an atomic number with a
    /// Pauling electronegativity (names the label and its line of <c>DS_node_labels.txt</c>: one line per node, in row order).
    /// </exception>
    public SignedMeasureOptions CreateOptions(TopologyDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!Fits(data.Kind))
        {
            throw new ArgumentException($"Bifiltration '{Name}' does not fit {(data.Kind == TopologyDataKind.Graphs ? "graphs" : "points or series")}.", nameof(data));
        }

        if (NeedsNodeLabels)
        {
            CheckAtomicNumbers(data);
        }

        TopologyInput input = data.Kind switch
        {
            TopologyDataKind.Graphs => new GraphInput(TopologyDataset.NodeCountColumnName, First, Second, NodeLabelColumnName: NeedsNodeLabels ? TopologyDataset.NodeLabelColumnName : null),
            TopologyDataKind.TimeSeries => new TimeSeriesInput(),
            _ => new PointCloudInput(data.PointDimension),
        };
        return new SignedMeasureOptions
        {
            OutputColumnName = TopologyDataset.ValuesColumnName,
            Input = input,
            Codensity = Codensity,
            CodensityParameter = CodensityParameter,
        };
    }

    private void CheckAtomicNumbers(TopologyDataset data)
    {
        const string Source = "DS_node_labels.txt";
        int line = 0;
        for (int r = 0; r < data.Rows.Count; r++)
        {
            TopologySample row = data.Rows[r];
            if (row.NodeLabels is not { } labels || labels.Length != row.NodeCount)
            {
                throw new DataFormatException(Source, 0, $"bifiltration '{Name}' reads atomic numbers from the node labels, but row {r} has {row.NodeLabels?.Length ?? 0} labels for {row.NodeCount} nodes.");
            }

            for (int v = 0; v < labels.Length; v++)
            {
                line++;
                if (labels[v] != MathF.Round(labels[v]) || !PaulingElectronegativity.TryGet((int)labels[v], out _))
                {
                    throw new DataFormatException(Source, line, FormattableString.Invariant($"node label {labels[v]} (graph {r + 1}, node {v + 1}) is not an atomic number with a Pauling electronegativity, which bifiltration '{Name}' needs (1–{PaulingElectronegativity.MaxAtomicNumber}, noble gases He, Ne, Ar excepted)."));
                }
            }
        }
    }

    private static BifiltrationPreset RipsPreset(string name, CodensityKind codensity, float parameter) =>
        new(name, false, codensity, parameter, GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.FormanRicci);

    private static BifiltrationPreset GraphPreset(string name, GraphVertexFunctionKind first, GraphVertexFunctionKind second) =>
        new(name, true, CodensityKind.DistanceToMeasure, 0.1f, first, second);

    private static string Key(string name) => name.Replace("-", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
}
