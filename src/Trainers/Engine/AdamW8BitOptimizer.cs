using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// AdamW with block-wise 8-bit states (Dettmers et al., 2021, "8-bit Optimizers via Block-wise Quantization";
/// bitsandbytes' <c>optimizer_update_8bit_blockwise</c>): m and v are stored as uint8 codes [blocks, B] (the parameter
/// flattened and zero-padded to whole blocks of B) with one float absmax per block [blocks]; m uses the signed dynamic
/// map, v the unsigned one (<see cref="DynamicQuantizationMap"/>). Each step, inside the graph: dequantize
/// m = code[m_q]·absmax, v likewise; the AdamW update of <see cref="AdamWOptimizer"/>; requantize per block with
/// absmax = max|x| (0 → 1) and the nearest code (an 8-step binary search over the code midpoints, ties to the lower code).
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

    // [lr / (1 − β₁ᵗ), √(1 − β₂ᵗ), signed code, signed midpoints, unsigned code, unsigned midpoints]
    internal override string[] Prepare(OptimizerStep s)
    {
        GraphBuilder b = s.Builder;
        string t = b.Op("Add", s.Step, s.Scalar(1));
        string bc1 = b.Op("Sub", s.Scalar(1), b.Op("Pow", s.Scalar(Beta1), t));
        string bc2 = b.Op("Sub", s.Scalar(1), b.Op("Pow", s.Scalar(Beta2), t));
        string Table(string name, float[] values) => b.Initializer(s.Type == TensorElementType.Double
            ? OnnxTensor.FromDoubles(name, [.. values.Select(v => (double)v)], values.Length)
            : OnnxTensor.FromFloats(name, values, values.Length));
        return
        [
            b.Op("Div", s.LearningRate, bc1), b.Op("Sqrt", bc2),
            Table("adam8_code_signed", DynamicQuantizationMap.Signed), Table("adam8_mid_signed", DynamicQuantizationMap.Midpoints(DynamicQuantizationMap.Signed)),
            Table("adam8_code_unsigned", DynamicQuantizationMap.Unsigned), Table("adam8_mid_unsigned", DynamicQuantizationMap.Midpoints(DynamicQuantizationMap.Unsigned)),
        ];
    }

    internal override (string Parameter, string[] Slots) Update(OptimizerStep s, string[] shared, string p, string g, string[] slots, double scale, bool decays)
    {
        GraphBuilder b = s.Builder;
        long n = s.ElementCount(p), blocks = (n + BlockSize - 1) / BlockSize, pad = (blocks * BlockSize) - n;
        string flat = b.Op("Reshape", g, b.Int64s("adam8_flat", -1));
        string padded = pad == 0 ? flat : b.Op("Pad", flat, b.Int64s("adam8_pads", 0, pad));
        string gb = b.Op("Reshape", padded, b.Int64s("adam8_blocks", blocks, BlockSize));   // [blocks, B]

        string mPrev = Dequantize(b, slots[0], slots[1], shared[2]);
        string vPrev = Dequantize(b, slots[2], slots[3], shared[4]);
        string m = b.Op("Add", b.Op("Mul", mPrev, s.Scalar(Beta1)), b.Op("Mul", gb, s.Scalar(1 - Beta1)));
        string v = b.Op("Add", b.Op("Mul", vPrev, s.Scalar(Beta2)), b.Op("Mul", b.Op("Mul", gb, gb), s.Scalar(1 - Beta2)));

        string denom = b.Op("Add", b.Op("Div", b.Op("Sqrt", v), shared[1]), s.Scalar(Epsilon));
        string stepSize = scale == 1 ? shared[0] : b.Op("Mul", shared[0], s.Scalar(scale));
        string update = b.Op("Mul", b.Op("Div", m, denom), stepSize);                          // [blocks, B]
        string updateFlat = b.Op("Reshape", update, b.Int64s("adam8_flat", -1));
        string trimmed = pad == 0 ? updateFlat : b.Op("Slice", updateFlat, b.Int64s("adam8_start", 0), b.Int64s("adam8_end", n));
        string shaped = b.Op("Reshape", trimmed, b.Op("Shape", p));
        string decayed = WeightDecay == 0 || !decays ? p : b.Op("Sub", p, b.Op("Mul", p, b.Op("Mul", s.LearningRate, s.Scalar(WeightDecay * scale))));

        (string mq, string mAbs) = Quantize(b, s, m, shared[3]);
        (string vq, string vAbs) = Quantize(b, s, v, shared[5]);
        return (b.Op("Sub", decayed, shaped), [mq, mAbs, vq, vAbs]);
    }

    private long Blocks(OnnxTensor parameter) => Math.Max(1, (OnnxTensor.ElementCountOf(parameter.Dims) + BlockSize - 1) / BlockSize);

    // code[q]·absmax: [blocks, B]
    private static string Dequantize(GraphBuilder b, string codes, string absmax, string table)
    {
        string index = b.Op("Cast", [codes], OnnxAttribute.Int("to", (long)TensorElementType.Int64));
        return b.Op("Mul", b.Op("Gather", table, index), b.Op("Unsqueeze", absmax, b.Int64s("adam8_axis", 1)));
    }

    // absmax = max|x| per block (0 → 1); q = #{midpoints < x/absmax} by binary search over the 256 sorted midpoints
    private static (string Codes, string Absmax) Quantize(GraphBuilder b, OptimizerStep s, string x, string midpoints)
    {
        string max = s.Opset >= 18                                                                                      // [blocks, 1]
            ? b.Op("ReduceMax", [b.Op("Abs", x), b.Int64s("adam8_axis", 1)], OnnxAttribute.Int("keepdims", 1))
            : b.Op("ReduceMax", [b.Op("Abs", x)], OnnxAttribute.IntList("axes", 1), OnnxAttribute.Int("keepdims", 1));
        string absmax = b.Op("Where", b.Op("Equal", max, s.Scalar(0)), s.Scalar(1), max);
        string normalised = b.Op("Div", x, absmax);
        string position = b.Op("Expand", b.Int64s("adam8_zero", 0), b.Op("Shape", x));
        for (long bit = 128; bit >= 1; bit /= 2)
        {
            string candidate = b.Op("Add", position, b.Int64s("adam8_bit", bit));
            string probe = b.Op("Gather", midpoints, b.Op("Sub", candidate, b.Int64s("adam8_one", 1)));
            position = b.Op("Where", b.Op("Less", probe, normalised), candidate, position);
        }

        string codes = b.Op("Cast", [position], OnnxAttribute.Int("to", (long)TensorElementType.UInt8));
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
