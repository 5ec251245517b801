namespace Pipelines.Export.Quantization;

/// <summary>
/// Chooses the scale and zero point of one block (<c>w ≈ (q − zp)·scale</c>, codes <c>q</c> in <c>[0, qmax]</c>) by the
/// <see cref="BlockScaleSearch"/> rule, minimising the (optionally importance-weighted) squared reconstruction error
/// <c>Σ_i h_i (w_i − (q_i − zp)·scale)²</c>.
/// </summary>
internal static class BlockParameterSearch
{
    /// <summary>Clip factors of the <see cref="BlockScaleSearch.Mse"/> grid (per side, asymmetric; of the largest magnitude, symmetric).</summary>
    internal static ReadOnlySpan<float> GridRatios => [1f, 0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f, 0.65f, 0.6f, 0.55f, 0.5f];

    /// <summary>Alternating least-squares rounds after the grid.</summary>
    internal const int RefinementRounds = 6;

    public static (float Scale, int ZeroPoint) Choose(
        ReadOnlySpan<float> block, ReadOnlySpan<float> importance, bool symmetric, int qmax, int mid, BlockScaleSearch search, HqqParameters? hqq = null)
    {
        if (search == BlockScaleSearch.Hqq)
        {
            return HalfQuadraticSearch(block, importance, symmetric, qmax, mid, hqq ?? HqqParameters.Default);
        }

        (float scale, int zp) = Range(block, symmetric, qmax, mid, 1f, 1f);
        if (search == BlockScaleSearch.MinMax || scale == 0)
        {
            return (scale, zp);
        }

        double best = Error(block, importance, scale, zp, qmax);
        if (search == BlockScaleSearch.Clip)
        {
            foreach (float ratio in BlockQuantizer.ClipRatios)
            {
                Consider(block, importance, Range(block, symmetric, qmax, mid, ratio, ratio), qmax, ref best, ref scale, ref zp);
            }

            for (int i = 0; i < BlockQuantizer.RefinementSteps; i++)
            {
                float refined = ScaleForCodes(block, importance, scale, zp, zp, qmax);
                if (!Consider(block, importance, (refined, zp), qmax, ref best, ref scale, ref zp))
                {
                    break;
                }
            }

            return (scale, zp);
        }

        if (symmetric)
        {
            float m = LargestMagnitude(block);
            foreach (float ratio in GridRatios)
            {
                // The largest magnitude on code 0 (−mid steps) or on code qmax (qmax − mid steps).
                Consider(block, importance, (m * ratio / -mid, mid), qmax, ref best, ref scale, ref zp);
                Consider(block, importance, (m * ratio / (qmax - mid), mid), qmax, ref best, ref scale, ref zp);
            }
        }
        else
        {
            foreach (float lo in GridRatios)
            {
                foreach (float hi in GridRatios)
                {
                    Consider(block, importance, Range(block, symmetric, qmax, mid, lo, hi), qmax, ref best, ref scale, ref zp);
                }
            }
        }

        for (int i = 0; i < RefinementRounds; i++)
        {
            (float s, int z) = symmetric
                ? (ScaleForCodes(block, importance, scale, zp, mid, qmax), mid)
                : FitForCodes(block, importance, scale, zp, qmax);
            if (!Consider(block, importance, (s, z), qmax, ref best, ref scale, ref zp))
            {
                break;
            }
        }

        return (scale, zp);
    }

    /// <summary>
    /// <see cref="BlockScaleSearch.Hqq"/>: the half-quadratic solver started from the <see cref="BlockScaleSearch.Mse"/> result; the
    /// iterate is kept only if its (weighted) squared error is lower.
    /// </summary>
    private static (float Scale, int ZeroPoint) HalfQuadraticSearch(ReadOnlySpan<float> block, ReadOnlySpan<float> importance, bool symmetric, int qmax, int mid, HqqParameters hqq)
    {
        (float scale, int zp) = Choose(block, importance, symmetric, qmax, mid, BlockScaleSearch.Mse);
        if (scale == 0)
        {
            return (scale, zp);
        }

        double best = Error(block, importance, scale, zp, qmax);
        Consider(block, importance, HalfQuadratic(block, importance, symmetric, qmax, scale, zp, hqq), qmax, ref best, ref scale, ref zp);
        return (scale, zp);
    }

    /// <summary>
    /// HQQ's alternating minimisation of <c>Σh|w − (q − zp)·scale|^p</c> from (scale, zp). Each iteration, in one pass: codes
    /// <c>q = round(w/scale) + zp</c>, residual <c>r = w/scale − (q − zp)</c> in code units, <c>e = shrink_p(r, β)</c>; then the
    /// closed forms <c>zp = round(Σh(q − w/scale + e)/Σh)</c> (asymmetric) and, optionally,
    /// <c>scale = Σh(w − e·scale)(q − zp)/Σh(q − zp)²</c>; <c>β ← κβ</c>. As in the reference implementation it stops when the mean
    /// absolute error of the iterate stops falling, and returns the iterate with the least.
    /// </summary>
    private static (float Scale, int ZeroPoint) HalfQuadratic(ReadOnlySpan<float> block, ReadOnlySpan<float> importance, bool symmetric, int qmax, float scale, int zp, HqqParameters hqq)
    {
        if (scale == 0 || !float.IsFinite(scale))
        {
            return (scale, zp);
        }

        (float Scale, int ZeroPoint) best = (scale, zp);
        double bestError = double.PositiveInfinity;
        double beta = hqq.Beta;
        for (int t = 0; t <= hqq.Iterations; t++)
        {
            // shrink_p(r, β) is 0 unless |r|^(2−p) > 1/β: skip the power below that threshold.
            double threshold = Math.Pow(beta, -1 / (2 - hqq.P));
            float inv = 1f / scale;
            double sh = 0, shz = 0, shq = 0, shqq = 0, sht = 0, shtq = 0, l1 = 0;
            for (int i = 0; i < block.Length; i++)
            {
                double h = importance.IsEmpty ? 1.0 : importance[i];
                int q = Code(block[i], inv, zp, qmax);
                double r = (block[i] * inv) - (q - zp);
                l1 += h * Math.Abs(r);
                double e = Math.Abs(r) <= threshold ? 0 : Shrink(r, beta, hqq.P);
                double target = block[i] - (e * scale);   // the part of w the quantizer should fit
                sh += h;
                shz += h * (q - (block[i] * inv) + e);
                shq += h * q;
                shqq += h * q * q;
                sht += h * target;
                shtq += h * target * q;
            }

            // The l1 error (code units × |scale|) of the current iterate decides whether to go on.
            double error = l1 * Math.Abs(scale);
            if (!(error < bestError))
            {
                break;
            }

            (bestError, best) = (error, (scale, zp));
            if (t == hqq.Iterations || sh <= 0)
            {
                break;
            }

            if (!symmetric)
            {
                zp = Math.Clamp((int)Math.Round(shz / sh, MidpointRounding.ToEven), 0, qmax);
            }

            if (hqq.UpdateScale)
            {
                // Σh·target·(q − zp) / Σh·(q − zp)² with the codes of this pass.
                double num = shtq - (zp * sht);
                double den = shqq - (2.0 * zp * shq) + ((double)zp * zp * sh);
                double s = den > 0 ? num / den : 0;
                if (s != 0 && double.IsFinite(s) && Math.Sign(s) == Math.Sign(scale))
                {
                    scale = (float)s;
                }
            }

            beta *= hqq.Kappa;
        }

        return best;
    }

    /// <summary>The generalized soft-thresholding of HQQ: <c>sign(r)·max(|r| − |r|^(p−1)/β, 0)</c>.</summary>
    internal static double Shrink(double r, double beta, double p)
    {
        double a = Math.Abs(r);
        if (a == 0)
        {
            return 0;
        }

        double t = a - (Math.Pow(a, p - 1) / beta);
        return t > 0 ? Math.CopySign(t, r) : 0;
    }

    /// <summary>The (weighted) squared error of the block quantized with round-to-nearest codes under (scale, zp).</summary>
    public static double Error(ReadOnlySpan<float> block, ReadOnlySpan<float> importance, float scale, int zp, int qmax)
    {
        float inv = scale == 0 ? 0 : 1f / scale;
        double e = 0;
        for (int i = 0; i < block.Length; i++)
        {
            float v = block[i];
            double d = v - ((Code(v, inv, zp, qmax) - zp) * scale);
            e += (importance.IsEmpty ? 1.0 : importance[i]) * d * d;
        }

        return e;
    }

    /// <summary>The round-to-nearest code of <paramref name="v"/>, clamped to <c>[0, qmax]</c>.</summary>
    public static int Code(float v, float inverseScale, int zp, int qmax) =>
        Math.Clamp((int)MathF.Round(v * inverseScale, MidpointRounding.ToEven) + zp, 0, qmax);

    private static bool Consider(ReadOnlySpan<float> block, ReadOnlySpan<float> importance, (float Scale, int ZeroPoint) candidate, int qmax, ref double best, ref float scale, ref int zp)
    {
        if (candidate.Scale == 0 || !float.IsFinite(candidate.Scale))
        {
            return false;
        }

        double e = Error(block, importance, candidate.Scale, candidate.ZeroPoint, qmax);
        if (!(e < best))
        {
            return false;
        }

        (best, scale, zp) = (e, candidate.Scale, candidate.ZeroPoint);
        return true;
    }

    /// <summary>Asymmetric: the range <c>[lo·min, hi·max]</c> (widened to hold 0); symmetric: the largest magnitude times lo.</summary>
    private static (float Scale, int ZeroPoint) Range(ReadOnlySpan<float> block, bool symmetric, int qmax, int mid, float lo, float hi)
    {
        if (symmetric)
        {
            return (LargestMagnitude(block) * lo / -mid, mid);
        }

        float min = 0, max = 0;
        foreach (float v in block)
        {
            min = MathF.Min(min, v);
            max = MathF.Max(max, v);
        }

        min *= lo;
        max *= hi;
        float scale = (max - min) / qmax;
        int zp = scale == 0 ? 0 : Math.Clamp((int)MathF.Round(-min / scale, MidpointRounding.ToEven), 0, qmax);
        return (scale, zp);
    }

    private static float LargestMagnitude(ReadOnlySpan<float> block)
    {
        float m = 0;
        foreach (float v in block)
        {
            if (MathF.Abs(v) > MathF.Abs(m))
            {
                m = v;
            }
        }

        return m;
    }

    /// <summary>With the codes of (scale, zp) fixed and the zero point set to <paramref name="newZp"/>: <c>Σh·w(q−zp)/Σh·(q−zp)²</c>.</summary>
    private static float ScaleForCodes(ReadOnlySpan<float> block, ReadOnlySpan<float> importance, float scale, int zp, int newZp, int qmax)
    {
        float inv = 1f / scale;
        double num = 0, den = 0;
        for (int i = 0; i < block.Length; i++)
        {
            double h = importance.IsEmpty ? 1.0 : importance[i];
            int q = Code(block[i], inv, zp, qmax) - newZp;
            num += h * block[i] * q;
            den += h * q * q;
        }

        return den == 0 ? scale : (float)(num / den);
    }

    /// <summary>
    /// With the codes fixed, the weighted least-squares line <c>w ≈ a·q + c</c>; the zero point is <c>−c/a</c> rounded to a code
    /// and the scale is refit for it.
    /// </summary>
    private static (float Scale, int ZeroPoint) FitForCodes(ReadOnlySpan<float> block, ReadOnlySpan<float> importance, float scale, int zp, int qmax)
    {
        float inv = 1f / scale;
        double sh = 0, sq = 0, sw = 0, sqq = 0, sqw = 0;
        for (int i = 0; i < block.Length; i++)
        {
            double h = importance.IsEmpty ? 1.0 : importance[i];
            int q = Code(block[i], inv, zp, qmax);
            sh += h;
            sq += h * q;
            sw += h * block[i];
            sqq += h * q * q;
            sqw += h * q * block[i];
        }

        double det = (sh * sqq) - (sq * sq);
        if (det <= 0)
        {
            return (scale, zp);
        }

        double a = ((sh * sqw) - (sq * sw)) / det;
        double c = ((sqq * sw) - (sq * sqw)) / det;
        if (a == 0 || !double.IsFinite(a))
        {
            return (scale, zp);
        }

        int newZp = Math.Clamp((int)Math.Round(-c / a, MidpointRounding.ToEven), 0, qmax);
        return (ScaleForCodes(block, importance, scale, zp, newZp, qmax), newZp);
    }
}
