using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Testing;
using Pipelines.Transforms.Topology;
using Xunit;

namespace Pipelines.Transforms.Tests.Topology;

public sealed class DiagramRepresentationTests
{
    private sealed class DiagramRow
    {
        [VectorType]
        public float[] Diagram { get; set; } = [];
    }

    private sealed class ScalarRow
    {
        public float Diagram { get; set; }
    }

    /// <summary>GUDHI 3.7.1 outputs written by tests/fixtures/topology/generate_representations_golden.py.</summary>
    private sealed class Golden
    {
        public List<float[]> Diagrams { get; } = [];

        public Dictionary<string, List<float[]>> Outputs { get; } = [];

        public Dictionary<string, float[]> Ranges { get; } = [];

        public static Golden Read()
        {
            var g = new Golden();
            string[] lines = File.ReadAllLines(Path.Combine(FixtureDirectory(), "representations_golden.txt"));
            for (int i = 0; i < lines.Length; i++)
            {
                string[] head = lines[i].Split(' ');
                if (head[0] == "diagram")
                {
                    int n = int.Parse(head[2], CultureInfo.InvariantCulture);
                    g.Diagrams.Add([.. lines.Skip(i + 1).Take(n).SelectMany(Numbers)]);
                    i += n;
                }
                else if (head[0] == "range")
                {
                    g.Ranges[head[1]] = [.. head.Skip(2).Select(Parse)];
                }
                else
                {
                    if (!g.Outputs.TryGetValue(head[0], out List<float[]>? list))
                    {
                        g.Outputs[head[0]] = list = [];
                    }

                    list.Add(Numbers(lines[++i]));
                }
            }

            return g;
        }

        private static float[] Numbers(string line) => [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];

        private static float Parse(string s) => float.Parse(s, CultureInfo.InvariantCulture);
    }

    private static string FixtureDirectory()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "tests", "fixtures", "topology");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/topology not found above " + AppContext.BaseDirectory);
    }

    private static void Close(float expected, float actual, string what)
    {
        Assert.True(Math.Abs(expected - actual) <= 1e-5 + (1e-4 * Math.Abs(expected)), $"{what}: GUDHI {expected}, ours {actual}");
    }

    private static DiagramRepresentationOptions Options(DiagramRepresentation r) => new()
    {
        OutputColumnName = "Features",
        InputColumnName = "Diagram",
        Representation = r,
        Resolution = 20,
        Landscapes = 3,
    };

    [Theory]
    [InlineData(DiagramRepresentation.Landscape, "landscape", PersistenceImageWeight.Constant)]
    [InlineData(DiagramRepresentation.Silhouette, "silhouette", PersistenceImageWeight.Constant)]
    [InlineData(DiagramRepresentation.Silhouette, "silhouette_persistence", PersistenceImageWeight.Persistence)]
    [InlineData(DiagramRepresentation.BettiCurve, "betti", PersistenceImageWeight.Constant)]
    [InlineData(DiagramRepresentation.Entropy, "entropy", PersistenceImageWeight.Constant)]
    public void FitTransform_MatchesGudhiOnItsFittedGrid(DiagramRepresentation representation, string name, PersistenceImageWeight weight)
    {
        Golden g = Golden.Read();
        DiagramRepresentationTransformer t = DiagramRepresentationTransformer.Fit(Options(representation) with { Weight = weight }, g.Diagrams);
        if (representation != DiagramRepresentation.Entropy)
        {
            // GUDHI's grid is linspace(min birth, max death, r + 2) without its ends.
            float[] range = g.Ranges[name];
            double step = (range[1] - range[0]) / 21.0;
            Close((float)(range[0] + step), t.Range.First, "first sample");
            Close((float)(range[1] - step), t.Range.Last, "last sample");
        }

        // GUDHI's landscapes and silhouettes carry a factor √2 (tents in rotated coordinates); ours do not.
        float scale = representation is DiagramRepresentation.Landscape or DiagramRepresentation.Silhouette ? MathF.Sqrt(2f) : 1f;
        for (int d = 0; d < g.Diagrams.Count; d++)
        {
            float[] ours = t.Featurize(g.Diagrams[d]);
            float[] theirs = g.Outputs[name][d];
            Assert.Equal(theirs.Length, ours.Length);
            for (int k = 0; k < ours.Length; k++)
            {
                Close(theirs[k] / scale, ours[k], $"{name} diagram {d} value {k}");
            }
        }
    }

    [Theory]
    [InlineData("image", PersistenceImageWeight.Constant)]
    [InlineData("image_persistence", PersistenceImageWeight.Persistence)]
    public void PersistenceImage_MatchesGudhiTransposed(string name, PersistenceImageWeight weight)
    {
        Golden g = Golden.Read();
        DiagramRepresentationOptions o = Options(DiagramRepresentation.PersistenceImage) with { Resolution = 8, Bandwidth = 0.2f, Weight = weight };
        DiagramRepresentationTransformer t = DiagramRepresentationTransformer.Fit(o, g.Diagrams);
        float[] range = g.Ranges[name];
        Close(range[0], t.Range.First, "min birth");
        Close(range[1], t.Range.Last, "max birth");
        Close(range[3], t.Range.PersistenceMax, "max persistence");
        for (int d = 0; d < g.Diagrams.Count; d++)
        {
            float[] ours = t.Featurize(g.Diagrams[d]);
            float[] theirs = g.Outputs[name][d];

            // GUDHI: rows = persistence, columns = birth; ours: rows = birth.
            for (int a = 0; a < 8; a++)
            {
                for (int b = 0; b < 8; b++)
                {
                    Close(theirs[(b * 8) + a], ours[(a * 8) + b], $"{name} diagram {d} pixel ({a},{b})");
                }
            }
        }
    }

    [Theory]
    [InlineData(DiagramRepresentation.PersistenceImage)]
    [InlineData(DiagramRepresentation.Landscape)]
    [InlineData(DiagramRepresentation.BettiCurve)]
    [InlineData(DiagramRepresentation.Silhouette)]
    [InlineData(DiagramRepresentation.Entropy)]
    public void Representations_IgnorePointOrderAndHandleEmptyAndEssentialDiagrams(DiagramRepresentation r)
    {
        Golden g = Golden.Read();
        DiagramRepresentationTransformer t = DiagramRepresentationTransformer.Fit(Options(r), g.Diagrams);
        float[] d = g.Diagrams[3];
        float[] reversed = [.. Enumerable.Range(0, d.Length / 2).Reverse().SelectMany(k => new[] { d[2 * k], d[(2 * k) + 1] })];
        float[] forward = t.Featurize(d);
        float[] backward = t.Featurize(reversed);
        for (int k = 0; k < forward.Length; k++)
        {
            Close(forward[k], backward[k], $"value {k} after reversing the points");
        }

        Assert.All(t.Featurize([]), v => Assert.Equal(0f, v));
        Assert.Equal(forward, t.Featurize([.. d, 0.5f, float.PositiveInfinity]));
        DiagramRepresentationTransformer clip = DiagramRepresentationTransformer.Fit(Options(r) with { InfiniteBars = InfiniteBarPolicy.Clip }, g.Diagrams);
        Assert.All(clip.Featurize([0.5f, float.PositiveInfinity]), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Featurize_RefusesMalformedDiagramsNamingThePair()
    {
        DiagramRepresentationTransformer t = DiagramRepresentationTransformer.Fit(Options(DiagramRepresentation.Landscape), [[0f, 1f]]);
        Assert.Contains("pair 1", Assert.Throws<ArgumentException>(() => t.Featurize([0f, 1f, 2f, 1f])).Message, StringComparison.Ordinal);
        Assert.Contains("pairs", Assert.Throws<ArgumentException>(() => t.Featurize([0f, 1f, 2f])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => t.Featurize([float.NaN, 1f]));
        Assert.Throws<InvalidOperationException>(() => DiagramRepresentationTransformer.Fit(Options(DiagramRepresentation.Landscape), [[0f, float.PositiveInfinity]]));
    }

    [Theory]
    [InlineData(DiagramRepresentation.PersistenceImage, 400)]
    [InlineData(DiagramRepresentation.Landscape, 60)]
    [InlineData(DiagramRepresentation.Entropy, 1)]
    [WorkoutCovers(typeof(DiagramRepresentationEstimator), typeof(DiagramRepresentationTransformer))]
    public void Workout_SchemasRoundTripMlNetSaveLoadPredictionEngineAndInvalidInput(DiagramRepresentation r, int length)
    {
        var ml = new MLContext(seed: 1);
        Golden g = Golden.Read();
        IDataView data = ml.Data.LoadFromEnumerable(g.Diagrams.Select(d => new DiagramRow { Diagram = d }));
        DiagramRepresentationEstimator est = ml.Transforms.Topology.DiagramRepresentation(Options(r));
        DiagramRepresentationTransformer fitted = EstimatorWorkout.CheckSchemas(est, data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, length), fitted.Transform(data).Schema["Features"].Type);
        using var dir = new TempDirectory();
        EstimatorWorkout.CheckRoundTrip(fitted, data, t =>
        {
            string path = dir.File("representation.bin");
            t.Save(path);
            DiagramRepresentationTransformer loaded = DiagramRepresentationTransformer.Load(path);
            Assert.Equal(t.Range, loaded.Range);
            Assert.Equal(t.Options, loaded.Options);
            return loaded;
        });
        IDataView scalar = ml.Data.LoadFromEnumerable(new[] { new ScalarRow { Diagram = 1f } });
        EstimatorWorkout.CheckInvalidInput(est, scalar, "Diagram");
        EstimatorWorkout.CheckInvalidInput(fitted, scalar, "Diagram");
        EstimatorWorkout.CheckMlNetConventions<DiagramRow>(fitted, data);
    }

    [Fact]
    public void Pipeline_RepresentationsOfRipsDiagramsSeparateCirclesFromBlobs()
    {
        // Inside a pipeline: diagrams computed per row (H1 of a noisy circle vs a blob), then landscapes.
        var rng = new Random(4);
        float[] Diagram(bool circle)
        {
            var pts = new float[80];
            for (int i = 0; i < 40; i++)
            {
                double a = rng.NextDouble() * 2 * Math.PI;
                double rad = circle ? 1 + (0.05 * rng.NextDouble()) : 0.3 * rng.NextDouble();
                pts[2 * i] = (float)(rad * Math.Cos(a));
                pts[(2 * i) + 1] = (float)(rad * Math.Sin(a));
            }

            return [.. RipsPersistence.Compute(pts, 2).InDimension(1).ToArray().SelectMany(p => new[] { p.Birth, p.Death })];
        }

        var ml = new MLContext(seed: 1);
        DiagramRow[] rows = [.. Enumerable.Range(0, 6).Select(i => new DiagramRow { Diagram = Diagram(i % 2 == 0) })];
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        DiagramRepresentationTransformer t = ml.Transforms.Topology.DiagramRepresentation("Features", DiagramRepresentation.Landscape, "Diagram").Fit(data);
        float[][] f = [.. t.Transform(data).GetColumn<VBuffer<float>>("Features").Select(b => b.DenseValues().ToArray())];
        Assert.True(f[0].Max() > 5 * f[1].Max(), $"circle λ max {f[0].Max()}, blob {f[1].Max()}");
    }
}
