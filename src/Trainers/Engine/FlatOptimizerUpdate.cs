using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// The update of an element-wise optimizer (<see cref="Optimizer.ElementWise"/>) for a group of N parameters that share
/// the learning-rate multiplier and weight decay, emitted once over flat buffers instead of once per parameter: the
/// parameters pᵢ and gradients gᵢ are flattened (zero-padded to <see cref="Optimizer.SegmentLength"/>: whole blocks for
/// 8-bit AdamW, so no block straddles two tensors) and concatenated into p, g [Σ segmentᵢ]; each slot is concatenated
/// along its first axis (AdamW's and SGD's are stored flat per parameter, [nᵢ], see docs/formats/checkpoint.md; 8-bit
/// AdamW's codes [blocksᵢ, B] and scales [blocksᵢ]); <see cref="Optimizer.Update"/> runs on the buffers;
/// Split cuts the results back into the state outputs (parameters reshaped to their own shape). The per-element
/// arithmetic is the per-parameter update's, so results are bit-identical; the step runs ≈ 3N Reshapes (no copy) plus a
/// constant number of kernels where it ran ≈ (update ops + outputs)·N (≈ 18N for AdamW).
/// </summary>
internal static class FlatOptimizerUpdate
{
    /// <summary>
    /// Parameters of more elements than this update alone (a group of one, same state layout): concatenating them would
    /// copy their values, gradients and slots every step (full fine-tuning of MiniLM: +139 MB peak resident memory, quiet
    /// measurement, session 10) to save ≈ 15 kernel launches that are negligible beside element-wise work on ≥ 256 KB.
    /// Every LoRA factor, bias, norm and SPE tensor is below it.
    /// </summary>
    internal const long MaxElements = 1 << 16;

    /// <param name="b">The train-step builder.</param>
    /// <param name="os">The emission context.</param>
    /// <param name="optimizer">The element-wise optimizer.</param>
    /// <param name="shared">Its per-step scalars.</param>
    /// <param name="parameters">The group's parameters pᵢ (their names are the step's inputs).</param>
    /// <param name="gradients">Their gradients gᵢ, shaped like pᵢ.</param>
    /// <param name="clipScale">The global-norm clipping factor still to apply to the gradients, or null.</param>
    /// <param name="slots">Per parameter its slot inputs ([nᵢ] each, or [blocksᵢ, …]), in <see cref="Optimizer.Slots"/> order.</param>
    /// <param name="slotLengths">Per parameter and slot the slot's first dimension (concatenated and split along it).</param>
    /// <param name="scale">The group's learning-rate multiplier.</param>
    /// <param name="decays">Whether weight decay applies to the group.</param>
    /// <param name="parameterOutputs">Per parameter the output name of its new value.</param>
    /// <param name="slotOutputs">Per parameter the output names of its new slots.</param>
    public static void Emit(GraphBuilder b, OptimizerStep os, Optimizer optimizer, string[] shared, OnnxTensor[] parameters, string[] gradients, string? clipScale,
        string[][] slots, long[][] slotLengths, double scale, bool decays, string[] parameterOutputs, string[][] slotOutputs)
    {
        string flatShape = b.Int64s("flat_shape", -1);
        string Join(IEnumerable<string> values)
        {
            string[] list = [.. values];
            return list.Length == 1 ? list[0] : b.Op("Concat", list, OnnxAttribute.Int("axis", 0));
        }

        // each parameter's segment: flattened, zero-padded to the optimizer's segment length (whole blocks for 8-bit AdamW)
        long[] lengths = [.. parameters.Select(t => t.ElementCount)];
        long[] segments = [.. lengths.Select(optimizer.SegmentLength)];
        string Segment(string value, int i) =>
            segments[i] == lengths[i]
                ? b.Op("Reshape", value, flatShape)
                : b.Op("Pad", b.Op("Reshape", value, flatShape), b.Int64s("segment_pads", 0, segments[i] - lengths[i]));
        string p = Join(parameters.Select((t, i) => Segment(t.Name, i)));
        string g = Join(gradients.Select(Segment));
        if (clipScale is not null)
        {
            g = b.Op("Mul", g, clipScale);
        }

        os.Register(p, segments.Sum());
        int slotCount = optimizer.Slots.Count;
        string[] flatSlots = [.. Enumerable.Range(0, slotCount).Select(k => Join(slots.Select(s => s[k])))];
        (string newP, string[] newSlots) = optimizer.Update(os, shared, p, g, flatSlots, scale, decays);

        string[] pieces = SplitTo(b, os, newP, segments, null);
        for (int i = 0; i < parameters.Length; i++)
        {
            string piece = segments[i] == lengths[i] ? pieces[i] : b.Op("Slice", pieces[i], b.Int64s("segment_start", 0), b.Int64s("segment_end", lengths[i]));
            b.NodeTo("Reshape", [piece, b.Int64s("param_shape", parameters[i].Dims)], [parameterOutputs[i]]);
        }

        for (int k = 0; k < slotCount; k++)
        {
            SplitTo(b, os, newSlots[k], [.. slotLengths.Select(l => l[k])], [.. slotOutputs.Select(o => o[k])]);
        }
    }

    // value [Σ sizes] cut into pieces, written to outputs (fresh names when null)
    private static string[] SplitTo(GraphBuilder b, OptimizerStep os, string value, long[] sizes, string[]? outputs)
    {
        if (sizes.Length == 1)
        {
            return outputs is null ? [value] : [.. b.NodeTo("Identity", [value], outputs).Outputs];
        }

        string[] inputs = os.Opset >= 13 ? [value, b.Int64s("split_sizes", sizes)] : [value];
        OnnxAttribute[] attributes = os.Opset >= 13 ? [OnnxAttribute.Int("axis", 0)] : [OnnxAttribute.Int("axis", 0), OnnxAttribute.IntList("split", sizes)];
        return outputs is null ? b.Node("Split", inputs, sizes.Length, attributes) : [.. b.NodeTo("Split", inputs, outputs, attributes).Outputs];
    }
}
