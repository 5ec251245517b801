using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// <c>--collapse-route</c>: edge collapse on the 2-D rows (seeded clouds of <see cref="Clouds2D"/>), in one run: our
/// plain grid route (no collapse), the collapse on the grid's compressed rows (<c>RipsPersistence.Compute(points)</c>
/// with <see cref="EdgeCollapseMode.On"/>, since s10) and the collapse on the dense route it replaced (the n × n
/// distance matrix, <c>RipsPersistence.Compute(DistanceMatrix)</c> with collapse, which is what the points route did
/// before), each from the points in memory (the matrix route's time includes building the matrix); checks the three
/// diagrams are equal.
/// </summary>
internal static class CollapseRouteBench
{
    public static void Run(string folder, int repeat)
    {
        Console.WriteLine($"Edge collapse on the grid route vs the dense route, 2-D clouds (median of {repeat}; times from the points in memory)");
        Console.WriteLine($"{"case",-28} {"plain s",9} {"grid+coll s",12} {"dense+coll s",13} {"dense/grid",11} {"grid+coll/plain",16} {"same",5}");
        foreach (var c in Clouds2D.Cases(folder))
        {
            (float[] points, int dim) = Program.LoadPoints(Path.Combine(folder, c.File));
            var plain = new RipsOptions { MaxDimension = c.MaxDim, Threshold = c.Threshold, Budget = ComplexBudget.Unlimited, EdgeCollapse = EdgeCollapseMode.Off };
            RipsOptions collapse = plain with { EdgeCollapse = EdgeCollapseMode.On };
            PersistenceDiagram a = RipsPersistence.Compute(points, dim, plain);
            PersistenceDiagram b = RipsPersistence.Compute(points, dim, collapse);
            PersistenceDiagram d = RipsPersistence.Compute(DistanceMatrix.FromPoints(points, dim), collapse);
            bool same = Same(a, b) && Same(a, d);
            double plainS = Program.Median(repeat, () => RipsPersistence.Compute(points, dim, plain));
            double gridS = Program.Median(repeat, () => RipsPersistence.Compute(points, dim, collapse));
            double denseS = Program.Median(repeat, () => RipsPersistence.Compute(DistanceMatrix.FromPoints(points, dim), collapse));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Name,-28} {plainS,9:F3} {gridS,12:F3} {denseS,13:F3} {denseS / gridS,10:F2}x {gridS / plainS,15:F2}x {(same ? "yes" : "NO"),5}"));
        }
    }

    private static bool Same(PersistenceDiagram x, PersistenceDiagram y)
    {
        static (int, float, float)[] Sorted(PersistenceDiagram d) =>
            [.. Enumerable.Range(0, d.MaxDimension + 1).SelectMany(k => d.InDimension(k).ToArray()).Select(p => (p.Dimension, p.Birth, p.Death)).Order()];
        return Sorted(x).SequenceEqual(Sorted(y));
    }
}
