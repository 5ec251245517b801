using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class VectorizationTests
{
    private static float[] Perturb(float[] pts, float eps, int seed)
    {
        // Moves every point by exactly eps in a random direction (‖Δx‖ = eps).
        var rng = new Random(seed);
        var q = (float[])pts.Clone();
        for (int i = 0; i < q.Length / 2; i++)
        {
            double a = rng.NextDouble() * 2 * Math.PI;
            q[2 * i] += (float)(eps * Math.Cos(a));
            q[(2 * i) + 1] += (float)(eps * Math.Sin(a));
        }

        return q;
    }

    [Fact]
    public void Landscape_MovesAtMostTwoEpsilonWhenPointsMoveByEpsilon()
    {
        // |d'(x,y) − d(x,y)| ≤ 2ε ⇒ d_B ≤ 2ε (Rips stability) ⇒ ‖Δλ_k‖_∞ ≤ 2ε (Bubenik).
        float[] pts = TopologyTestData.NoisyAnnulus(60, 0.1f, 4);
        const float Eps = 0.02f;
        float[] moved = Perturb(pts, Eps, 1);
        float maxDiff = 0f;
        for (int d = 0; d <= 1; d++)
        {
            float[] a = Landscape(pts, d);
            float[] b = Landscape(moved, d);
            maxDiff = Math.Max(maxDiff, a.Zip(b).Max(t => Math.Abs(t.First - t.Second)));
        }

        Assert.InRange(maxDiff, 1e-4f, (2 * Eps) + 1e-5f);

        static float[] Landscape(float[] p, int degree)
        {
            PersistenceDiagram dgm = RipsPersistence.Compute(p, 2, new RipsOptions { MaxDimension = 1 });
            var v = new float[3 * 80];
            DiagramVectorizers.Landscape(dgm.InDimension(degree), 0f, 2f, 80, 3, InfiniteBarPolicy.Clip, 2f, v);
            return v;
        }
    }

    private static (MeasureAtom[] Atoms, int Simplices) EulerAtoms(float[] pts, float[] c)
    {
        // Full complex (threshold above the diameter), exact grids: atoms sit at the true filtration values.
        var f = new FunctionRipsBifiltration(DistanceMatrix.FromPoints(pts, 2), c, 1000f);
        FiltrationGrid g1 = FiltrationGrid.Fit([0f, .. f.EdgeValues()], GridStrategy.Exact, 1);
        FiltrationGrid g2 = FiltrationGrid.Fit(c, GridStrategy.Exact, 1);
        int n = c.Length;
        return (MeasureAtom.FromGrid(f.EulerSignedMeasure(g1, g2, 2), g1, g2), n + (n * (n - 1) / 2) + (n * (n - 1) * (n - 2) / 6));
    }

    [Fact]
    public void Convolution_OfEulerMeasure_RespectsLipschitzBound()
    {
        float[] pts = TopologyTestData.NoisyAnnulus(12, 0.1f, 8);
        float[] c = [.. Enumerable.Range(0, 12).Select(i => (float)(i % 4))];
        const float Eps = 0.01f;
        const float Sigma = 0.1f;
        var box = new MeasureBox(0f, 3f, 0f, 3f);
        (MeasureAtom[] a, int simplices) = EulerAtoms(pts, c);
        (MeasureAtom[] b, _) = EulerAtoms(Perturb(pts, Eps, 2), c);
        var va = new float[20 * 20];
        var vb = new float[20 * 20];
        SignedMeasureConvolution.Compute(a, box, 20, Sigma, va);
        SignedMeasureConvolution.Compute(b, box, 20, Sigma, vb);
        double diff = va.Zip(vb).Max(t => Math.Abs(t.First - t.Second));

        // Each simplex's atom moves by ≤ 2ε/(Hi1 − Lo1) along u (the codensity is held fixed).
        double bound = SignedMeasureConvolution.LipschitzConstant(Sigma) * simplices * 2 * Eps / 3f;
        Assert.InRange(diff, 1e-6, bound);
    }

    [Fact]
    public void SlicedWasserstein_OfEulerMeasure_RespectsLipschitzBound()
    {
        float[] pts = TopologyTestData.NoisyAnnulus(12, 0.1f, 8);
        float[] c = [.. Enumerable.Range(0, 12).Select(i => (float)(i % 3))];
        const float Eps = 0.01f;
        var box = new MeasureBox(0f, 3f, 0f, 3f);
        (MeasureAtom[] a, int simplices) = EulerAtoms(pts, c);
        (MeasureAtom[] b, _) = EulerAtoms(Perturb(pts, Eps, 3), c);
        var fa = new float[16 * 32];
        var fb = new float[16 * 32];
        SlicedWassersteinFeatures.Compute(a, box, 16, 32, fa);
        SlicedWassersteinFeatures.Compute(b, box, 16, 32, fb);
        double d = SlicedWassersteinFeatures.Distance(fa, fb);
        Assert.InRange(d, 1e-7, simplices * 2 * Eps / 3.0);
    }

    [Fact]
    public void SlicedWasserstein_FeatureDistanceIsExactForTwoDiracs()
    {
        // μ = δ_p, ν = δ_q: SW = (1/L) Σ_l |⟨θ_l, p − q⟩|, and F_μ − F_ν keeps one sign, so the ℓ1 distance is exact
        // up to the bin containing the endpoints (integrated, so exact).
        var box = new MeasureBox(0f, 1f, 0f, 1f);
        (float px, float py, float qx, float qy) = (0.2f, 0.7f, 0.5f, 0.4f);
        const int L = 8;
        var fa = new float[L * 50];
        var fb = new float[L * 50];
        SlicedWassersteinFeatures.Compute([new MeasureAtom(px, py, 1f)], box, L, 50, fa);
        SlicedWassersteinFeatures.Compute([new MeasureAtom(qx, qy, 1f)], box, L, 50, fb);
        double expected = Enumerable.Range(0, L).Select(l => Math.PI * (l + 0.5) / L).Average(phi => Math.Abs((Math.Cos(phi) * (px - qx)) + (Math.Sin(phi) * (py - qy))));
        Assert.Equal(expected, SlicedWassersteinFeatures.Distance(fa, fb), 5);
        Assert.Equal(1.0, SlicedWassersteinFeatures.Kernel(fa, fa, 1.0));
    }

    [Fact]
    public void Convolution_IsLinearInTheMeasure()
    {
        var box = new MeasureBox(0f, 2f, -1f, 1f);
        MeasureAtom[] a = [new(0.5f, 0f, 2f), new(1.5f, 0.5f, -1f)];
        var v = new float[25];
        var v1 = new float[25];
        var v2 = new float[25];
        SignedMeasureConvolution.Compute(a, box, 5, 0.2f, v);
        SignedMeasureConvolution.Compute(a[..1], box, 5, 0.2f, v1);
        SignedMeasureConvolution.Compute(a[1..], box, 5, 0.2f, v2);
        for (int k = 0; k < 25; k++)
        {
            Assert.Equal(v1[k] + v2[k], v[k], 1e-5f);
        }

        // Atom 0 sits at u = 0.25, v = 0.5 = output sample (1, 2): value 2·K(0)².
        double k0 = 1 / (0.2 * Math.Sqrt(2 * Math.PI));
        Assert.Equal(2 * k0 * k0, v1[(1 * 5) + 2], 3);
    }

    [Fact]
    public void PersistenceImageAndBettiCurve_HandCase()
    {
        PersistencePair[] pairs = [new(1, 0f, 1f), new(1, 0.5f, float.PositiveInfinity)];
        var img = new float[9];
        DiagramVectorizers.PersistenceImage(pairs, 0f, 1f, 1f, 3, 0.1f, PersistenceImageWeight.Persistence, InfiniteBarPolicy.Drop, 0f, img);
        // Only (b=0, p=1): pixel (0, 2) is on it, value 1·1/(2πσ²).
        Assert.Equal(1 / (2 * Math.PI * 0.01), img[2], 2);
        Assert.True(img[4] < 1e-3f);
        var betti = new float[5];
        DiagramVectorizers.BettiCurve(pairs, 0f, 2f, 5, InfiniteBarPolicy.Clip, 1.5f, betti);
        Assert.Equal([1f, 2f, 1f, 0f, 0f], betti);
    }
}
