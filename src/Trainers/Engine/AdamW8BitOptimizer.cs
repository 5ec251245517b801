using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// AdamW with block-wise 8-bit states (Dettmers et al., 2021, "8-bit Optimizers via Block-wise Quantization";
/// bitsandbytes' <c>optimizer_update_8bit_blockwise</c>): m and v are stored as uint8 codes [blocks, B] (the parameter
/// flattened and zero-padded to whole blocks of B) with one float absmax per block [blocks]; m uses the signed dynamic
/// map, v the unsigned one (<see cref="DynamicQuantizationMap"/>). Each step, inside the graph: dequantize
/// m = code[m_q]·absmax, v likewise; the AdamW update of <see cref="AdamWOptimizer"/>; requantize per block with
/// absmax = max|x| (0 → 1) and the nearest code (ties to the lower code), found by a table lookup on a fine grid of ln|x|
/// and one comparison with each neighbouring midpoint — no search, the same codes as a binary search over the midpoints.
/// State is ≈ 2 bytes per parameter plus 8 bytes per block instead of 8 (≈ 3.9× smaller at B = 256). All tensors are
/// quantized, including small ones (bitsandbytes keeps tensors under 4,096 elements in 32 bits).
/// </summary>
/// <param name="Beta1">β₁ in [0, 1).</param>
/// <param name="Beta2">β₂ in [0, 1).</param>
/// <param name="Epsilon">ε &gt; 0.</param>
/// <param name="BlockSize">B ≥ 1 (256 in current bitsandbytes, 2,048 in the paper).</param>
public sealed record AdamW8BitOptimizer(
    double Beta1 = AdamW8BitDefaults.Beta1,
    double Beta2 = AdamW8BitDefaults.Beta2,
    double Epsilon = AdamW8BitDefaults.Epsilon,
    int BlockSize = AdamW8BitDefaults.BlockSize) : Optimizer
{
    internal override IReadOnlyList<string> Slots => ["adam8_m", "adam8_m_absmax", "adam8_v", "adam8_v_absmax"];

    // the update works per block of B on the flattened, zero-padded parameter: parameters can share one buffer of whole blocks
    internal override bool ElementWise => true;

    internal override long SegmentLength(long n) => Math.Max(1, (n + BlockSize - 1) / BlockSize) * BlockSize;

    internal override OnnxTensor InitialSlot(int k, string name, OnnxTensor parameter, TensorElementType type)
    {
        long blocks = Blocks(parameter);
        return k % 2 == 0
            ? new OnnxTensor(name, TensorElementType.UInt8, [blocks, BlockSize], new byte[blocks * BlockSize])
            : new OnnxTensor(name, type, [blocks], new byte[type.RawByteCount(blocks)]);
    }

    internal override void Validate()
    {
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Beta1), $"β₁ = {Beta1} and β₂ = {Beta2} must lie in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epsilon);
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay);
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1);
    }

    // [lr / (1 − β₁ᵗ), √(1 − β₂ᵗ), then per map (signed, unsigned): code, upper midpoints, lower midpoints, bucket candidates]
    internal override string[] Prepare(OptimizerStep s)
    {
        GraphBuilder b = s.Builder;
        string t = b.Op("Add", s.Step, s.Scalar(1));
        string bc1 = b.Op("Sub", s.Scalar(1), b.Op("Pow", s.Scalar(Beta1), t));
        string bc2 = b.Op("Sub", s.Scalar(1), b.Op("Pow", s.Scalar(Beta2), t));
        return [b.Op("Div", s.LearningRate, bc1), b.Op("Sqrt", bc2), .. Maps(s)];
    }

    /// <summary>Per map (signed, then unsigned) the initializers code, upper midpoints, lower midpoints, bucket candidates.</summary>
    internal static string[] Maps(OptimizerStep s)
    {
        GraphBuilder b = s.Builder;
        string Table(string name, float[] values) => b.Initializer(s.Type == TensorElementType.Double
            ? OnnxTensor.FromDoubles(name, [.. values.Select(v => (double)v)], values.Length)
            : OnnxTensor.FromFloats(name, values, values.Length));
        string[] Map(string suffix, float[] code, bool signed) =>
        [
            Table("adam8_code_" + suffix, code),
            Table("adam8_upper_" + suffix, DynamicQuantizationMap.Midpoints(code)),
            Table("adam8_lower_" + suffix, DynamicQuantizationMap.LowerMidpoints(code)),
            Table("adam8_candidate_" + suffix, DynamicQuantizationMap.BucketCandidates(code, signed)),
        ];
        return [.. Map("signed", DynamicQuantizationMap.Signed, signed: true), .. Map("unsigned", DynamicQuantizationMap.Unsigned, signed: false)];
    }

    internal override (string Parameter, string[] Slots) Update(OptimizerStep s, string[] shared, string p, string g, string[] slots, double scale, bool decays)
    {
        GraphBuilder b = s.Builder;
        long n = s.ElementCount(p), blocks = (n + BlockSize - 1) / BlockSize, pad = (blocks * BlockSize) - n;
        string flat = b.Op("Reshape", g, b.Int64s("adam8_flat", -1));
        string padded = pad == 0 ? flat : b.Op("Pad", flat, b.Int64s("adam8_pads", 0, pad));
        string gb = b.Op("Reshape", padded, b.Int64s("adam8_blocks", blocks, BlockSize));   // [blocks, B]

        string[] signedMap = shared[2..6], unsignedMap = shared[6..10];
        string mPrev = Dequantize(b, slots[0], slots[1], signedMap[0], blocks);
        string vPrev = Dequantize(b, slots[2], slots[3], unsignedMap[0], blocks);
        string m = b.Op("Add", b.Op("Mul", mPrev, s.Scalar(Beta1)), b.Op("Mul", gb, s.Scalar(1 - Beta1)));
        string v = b.Op("Add", b.Op("Mul", vPrev, s.Scalar(Beta2)), b.Op("Mul", b.Op("Mul", gb, gb), s.Scalar(1 - Beta2)));

        string denom = b.Op("Add", b.Op("Div", b.Op("Sqrt", v), shared[1]), s.Scalar(Epsilon));
        string stepSize = scale == 1 ? shared[0] : b.Op("Mul", shared[0], s.Scalar(scale));
        string update = b.Op("Mul", b.Op("Div", m, denom), stepSize);                          // [blocks, B]
        string updateFlat = b.Op("Reshape", update, b.Int64s("adam8_flat", -1));
        string trimmed = pad == 0 ? updateFlat : b.Op("Slice", updateFlat, b.Int64s("adam8_start", 0), b.Int64s("adam8_end", n));
        string shaped = b.Op("Reshape", trimmed, b.Op("Shape", p));
        string decayed = WeightDecay == 0 || !decays ? p : b.Op("Sub", p, b.Op("Mul", p, b.Op("Mul", s.LearningRate, s.Scalar(WeightDecay * scale))));

        (string mq, string mAbs) = Quantize(b, s, m, signedMap, signed: true, blocks);
        (string vq, string vAbs) = Quantize(b, s, v, unsignedMap, signed: false, blocks);
        return (b.Op("Sub", decayed, shaped), [mq, mAbs, vq, vAbs]);
    }

    private long Blocks(OnnxTensor parameter) => Math.Max(1, (OnnxTensor.ElementCountOf(parameter.Dims) + BlockSize - 1) / BlockSize);

    // code[q]·absmax: [blocks, B]; the lookup is a GatherElements over the flattened codes (ORT's Gather copies one
    // element per index through its generic block copy, ~20× slower on 22.7 M indices into a 256-entry table)
    private string Dequantize(GraphBuilder b, string codes, string absmax, string table, long blocks)
    {
        string index = b.Op("Cast", [b.Op("Reshape", codes, b.Int64s("adam8_flat", -1))], OnnxAttribute.Int("to", (long)TensorElementType.Int32));
        string values = b.Op("Reshape", b.Op("GatherElements", [table, index], OnnxAttribute.Int("axis", 0)), b.Int64s("adam8_blocks", blocks, BlockSize));
        return b.Op("Mul", values, b.Op("Unsqueeze", absmax, b.Int64s("adam8_axis", 1)));
    }

    // absmax = max|x| per block (0 → 1); q = #{midpoints < u} for u = x/absmax, without a search: y = |u| falls in one of
    // DynamicQuantizationMap.Buckets equal steps of ln y over [1e-8, 1], b = clamp(⌊(ln y − ln 1e-8)·K⌋, 0, Buckets − 1),
    // whose candidate[b] (the code of the bucket's centre; signed map: 127 + sign(u)·candidate) is within one code of the
    // nearest; one comparison with the midpoint above (upper[c] < u: +1) and below (lower[c] ≥ u: −1) makes it exactly
    // the midpoint rule of DynamicQuantizationMap.Quantize (ties to the lower code), whatever the rounding of the log.
    // Indices are clamped after the cast to int32, so a NaN moment gives some code instead of an out-of-range lookup.
    internal (string Codes, string Absmax) Quantize(GraphBuilder b, OptimizerStep s, string x, string[] map, bool signed, long blocks)
    {
        // the unsigned map quantizes v ≥ 0, where |x| = x and |u| = u
        string magnitude = signed ? b.Op("Abs", x) : x;
        string max = s.Opset >= 18                                                                                      // [blocks, 1]
            ? b.Op("ReduceMax", [magnitude, b.Int64s("adam8_axis", 1)], OnnxAttribute.Int("keepdims", 1))
            : b.Op("ReduceMax", [magnitude], OnnxAttribute.IntList("axes", 1), OnnxAttribute.Int("keepdims", 1));
        string absmax = b.Op("Where", b.Op("Equal", max, s.Scalar(0)), s.Scalar(1), max);
        string u = b.Op("Reshape", b.Op("Div", x, absmax), b.Int64s("adam8_flat", -1));                               // [blocks·B]
        string y = signed ? b.Op("Abs", u) : u;
        string Int32(string value) => b.Op("Cast", [value], OnnxAttribute.Int("to", (long)TensorElementType.Int32));
        string Int32Scalar(string name, int value) => b.Initializer(new OnnxTensor(name, TensorElementType.Int32, [], BitConverter.GetBytes(value)));
        string Clamp(string value, int high) => b.Op("Clip", value, Int32Scalar("adam8_zero_i32", 0), Int32Scalar("adam8_high_i32", high));
        string Lookup(string table, string index) => b.Op("GatherElements", [table, index], OnnxAttribute.Int("axis", 0));

        // bucket of ln y (y = 0: ln = −∞ → int32 minimum → 0)
        double perLog = DynamicQuantizationMap.Buckets / -DynamicQuantizationMap.LowestLog;
        string z = b.Op("Floor", b.Op("Add", b.Op("Mul", b.Op("Log", y), s.Scalar(perLog)), s.Scalar(DynamicQuantizationMap.Buckets)));
        string candidate = Lookup(map[3], Clamp(Int32(z), DynamicQuantizationMap.Buckets - 1));
        // signed: 127 + sign(u)·candidate, with sign(u) = u / max(|u|, 1e-7) (the candidate is 0 below 1e-7, so the
        // fraction there does not matter; Div is vectorised, Sign is not)
        string ci = signed
            ? Clamp(Int32(b.Op("Add", b.Op("Mul", b.Op("Div", u, b.Op("Max", y, s.Scalar(1e-7))), candidate), s.Scalar(127))), 255)
            : Int32(candidate);
        string up = Int32(b.Op("Less", Lookup(map[1], ci), u));
        string notDown = Int32(b.Op("Less", Lookup(map[2], ci), u));
        string q = b.Op("Add", b.Op("Add", ci, up), b.Op("Sub", notDown, Int32Scalar("adam8_one_i32", 1)));
        string codes = b.Op("Reshape", b.Op("Cast", [q], OnnxAttribute.Int("to", (long)TensorElementType.UInt8)), b.Int64s("adam8_blocks", blocks, BlockSize));
        string flatAbsmax = b.Op("Reshape", absmax, b.Int64s("adam8_flat", -1));
        return (codes, flatAbsmax);
    }
}

/// <summary>Defaults of <see cref="AdamW8BitOptimizer"/> (bitsandbytes' <c>AdamW8bit</c>, block size of its current release).</summary>
public static class AdamW8BitDefaults
{
    /// <summary>β₁ = 0.9.</summary>
    public const double Beta1 = 0.9;

    /// <summary>β₂ = 0.999.</summary>
    public const double Beta2 = 0.999;

    /// <summary>ε = 1e-8.</summary>
    public const double Epsilon = 1e-8;

    /// <summary>B = 256.</summary>
    public const int BlockSize = 256;
}
