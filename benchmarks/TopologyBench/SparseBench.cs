using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// Sparse Rips (<see cref="RipsOptions.SparseApproximation"/>) against GUDHI's <c>RipsComplex(sparse=ε)</c> and
/// against our exact run on the same cloud: seconds, edges kept, pairs and the longest H1 bar of each.
/// </summary>
internal static class SparseBench
{
    public static void Run(string data, string gudhiScript, float epsilon, int repeat)
    {
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sparse Rips, ε = {epsilon} (every diagram point within a factor {1 / (1 - epsilon):F3})"));
        Console.WriteLine($"{"case",-28} {"exact s",8} {"sparse s",9} {"edges→kept",16} {"pairs ex/sp",12} {"GUDHI sp s",11} {"pairs",6} {"sp/exact",9} {"sp/GUDHI sp",12} {"longest H1 ex→sp",20}");
        var cases = new (string Name, string File, int MaxDim, float? Threshold)[]
        {
            ("sphere_3_192 H0+H1", "sphere_3_192.lower_distance_matrix", 1, null),
            ("o3_1024 t1.4 H0+H1", "o3_1024.txt", 1, 1.4f),
            ("o3_1024 t1.4 H0..H2", "o3_1024.txt", 2, 1.4f),
        };
        foreach (var c in cases)
        {
            string path = Path.Combine(data, c.File);
            if (!File.Exists(path))
            {
                continue;
            }

            DistanceMatrix dm = Program.Load(path);
            float threshold = c.Threshold ?? dm.EnclosingRadius();
            var exact = new RipsOptions { MaxDimension = c.MaxDim, Threshold = threshold, Budget = ComplexBudget.Unlimited };
            RipsOptions sparse = exact with { SparseApproximation = epsilon };
            PersistenceDiagram e = RipsPersistence.Compute(dm, exact);
            PersistenceDiagram s = RipsPersistence.Compute(dm, sparse);
            Program.Warm(() => RipsPersistence.Compute(dm, exact));
            Program.Warm(() => RipsPersistence.Compute(dm, sparse));
            double exactS = Program.Median(repeat, () => RipsPersistence.Compute(dm, exact));
            double sparseS = Program.Median(repeat, () => RipsPersistence.Compute(dm, sparse));
            (_, int before, int after) = SparseRips.Sparsify(dm, epsilon, threshold);
            (double gS, int gPairs) = Program.RunGudhi(gudhiScript, path, c.MaxDim, threshold, epsilon);
            string edges = $"{before}→{after}";
            string pairs = $"{e.Count}/{s.Count}";
            string longest = string.Create(CultureInfo.InvariantCulture, $"{Longest(e):G4}→{Longest(s):G4}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Name,-28} {exactS,8:F3} {sparseS,9:F3} {edges,16} {pairs,12} {gS,11:F3} {gPairs,6} {sparseS / exactS,9:F2} {sparseS / gS,12:F3} {longest,20}"));
        }
    }

    private static float Longest(PersistenceDiagram d)
    {
        float best = 0f;
        foreach (PersistencePair p in d.InDimension(1))
        {
            best = Math.Max(best, float.IsFinite(p.Death) ? p.Death - p.Birth : float.PositiveInfinity);
        }

        return best;
    }
}
