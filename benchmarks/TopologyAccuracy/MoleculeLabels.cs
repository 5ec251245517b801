using System.Globalization;
using Pipelines.Numerics.Graphs;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Graphs;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// Node-label vertex functions for molecular TU sets whose node labels are atomic numbers (COX2: H, C, N, O, F, S, Cl,
/// Br): χ(v) = Pauling electronegativity of v's element, a chemically ordered filtration value (heteroatoms enter
/// after the carbon/hydrogen skeleton). Bifiltrations HKS_10 × χ and χ × degree, Hilbert (H0 + H1) or Euler measures
/// convolved 10 × 10 on the unit square; grids fitted on all graphs (label-free).
/// </summary>
internal static class MoleculeLabels
{
    private static readonly Dictionary<int, float> s_pauling = new()
    {
        [1] = 2.20f,
        [5] = 2.04f,
        [6] = 2.55f,
        [7] = 3.04f,
        [8] = 3.44f,
        [9] = 3.98f,
        [14] = 1.90f,
        [15] = 2.19f,
        [16] = 2.58f,
        [17] = 3.16f,
        [35] = 2.96f,
        [53] = 2.66f,
    };

    /// <summary>Feature sets by name: "hks-electroneg" and "electroneg-degree", or null when the labels are not atomic numbers.</summary>
    public static List<(string Name, float[][] X)>? FeatureSets(string folder, string invariant)
    {
        string name = Path.GetFileName(folder);
        string labelsPath = Path.Combine(folder, $"{name}_node_labels.txt");
        if (!File.Exists(labelsPath))
        {
            return null;
        }

        int[] raw = [.. File.ReadLines(labelsPath).Where(l => l.Trim().Length > 0).Select(l => int.Parse(l.Trim(), CultureInfo.InvariantCulture))];
        int[] distinct = [.. raw.Distinct().Order()];
        if (!distinct.All(s_pauling.ContainsKey))
        {
            return null;
        }

        TuDataset tu = TuDatasetReader.Read(folder);
        var graphs = new List<(GraphStructure G, float[] Hks, float[] Chi, float[] Degree)>();
        foreach (Graph g in tu.Graphs)
        {
            GraphStructure s = GraphStructure.Canonical(g.NodeCount, g.EdgeSources.Zip(g.EdgeTargets));
            float[] chi = [.. g.NodeTypes!.Select(t => s_pauling[distinct[t]])];
            graphs.Add((s, GraphVertexFunction.Compute(s, GraphVertexFunctionKind.HeatKernelSignature, 10f), chi, GraphVertexFunction.Compute(s, GraphVertexFunctionKind.Degree)));
        }

        return
        [
            ("hks-electroneg", Features([.. graphs.Select(g => new GraphBifiltration(g.G, g.Hks, g.Chi))], invariant)),
            ("electroneg-degree", Features([.. graphs.Select(g => new GraphBifiltration(g.G, g.Chi, g.Degree))], invariant)),
        ];
    }

    private static float[][] Features(List<GraphBifiltration> rows, string invariant)
    {
        var g1 = FiltrationGrid.Fit([.. rows.SelectMany(b => b.F1.ToArray())], GridStrategy.Regular, 20, 0.01f);
        var g2 = FiltrationGrid.Fit([.. rows.SelectMany(b => b.F2.ToArray())], GridStrategy.Regular, 20, 0.01f);
        MeasureBox box = MeasureBox.Of(g1, g2);
        const int r = 10;
        return [.. rows.Select(b =>
        {
            SignedMeasure[] measures = invariant == "euler" ? [b.EulerSignedMeasure(g1, g2)] : b.HilbertSignedMeasures(g1, g2, zeroPad: true);
            var x = new float[measures.Length * r * r];
            for (int m = 0; m < measures.Length; m++)
            {
                SignedMeasureConvolution.Compute(MeasureAtom.FromGrid(measures[m], g1, g2), box, r, 0.1f, x.AsSpan(m * r * r, r * r));
            }

            return x;
        })];
    }
}
