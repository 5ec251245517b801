using System.Text.Json;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Autodiff;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Rewrites each target <c>y = x·W</c> (MatMul, or Gemm with transA = 0 and alpha = 1) into
/// <c>y = x·W_res + s·(x·A)·B</c> (minus the frozen <c>s·(x·A₀)·B₀</c> in base-untouched mode; rescaled column-wise by
/// <c>m / ‖W_res + s·A·B‖_c</c> for DoRA factors, which carry a magnitude), inserting the new nodes
/// right after the target so the graph stays topologically sorted, and records the layout in the model metadata.
/// </summary>
internal static class AdaptedGraphWriter
{
    /// <summary>Adds the adapters to <paramref name="model"/> in place.</summary>
    /// <param name="model">The model (modified).</param>
    /// <param name="factors">Trainable factors per target.</param>
    /// <param name="residuals">W_res per module in in×out layout, or empty when the base is kept.</param>
    /// <param name="frozen">Frozen initial factors per module (base-untouched mode), or empty.</param>
    /// <param name="storedResiduals">
    /// W_res per module already in the weight's stored layout and byte order (taken as the initializer's data, not
    /// copied), for modules not in <paramref name="residuals"/>; null when there are none.
    /// </param>
    public static void Apply(
        OnnxModel model,
        IReadOnlyList<AdapterFactors> factors,
        IReadOnlyDictionary<string, Matrix> residuals,
        IReadOnlyDictionary<string, AdapterFactors> frozen,
        IReadOnlyDictionary<string, byte[]>? storedResiduals = null)
    {
        OnnxGraph g = model.Graph;
        var builder = new GraphBuilder(g);
        var entries = new List<AdapterGraphEntry>(AdapterGraphEntry.Read(model));
        Dictionary<string, List<OnnxNode>> consumers = g.ConsumerMap();
        string? stoppedJson = model.Metadata.FirstOrDefault(kv => kv.Key == GradientBuilder.StopGradientKey).Value;
        long opset = model.OpsetVersion() ?? GraphBuilder.DefaultOpset;
        List<string> stopped = stoppedJson is null ? [] : JsonSerializer.Deserialize<List<string>>(stoppedJson) ?? [];
        foreach (AdapterFactors f in factors)
        {
            LowRankTarget t = f.Target;
            string module = t.Module;
            OnnxNode node = g.Nodes.FirstOrDefault(n => n.Name == t.Weight.Node)
                ?? throw new InvalidOperationException($"Node '{t.Weight.Node}' of target {module} is not in the graph.");
            CheckSupported(node, t);
            string weightName = node.Inputs[1];
            OnnxTensor weight = g.FindInitializer(weightName)
                ?? throw new InvalidOperationException($"Weight '{weightName}' of {node.Describe()} is not an initializer.");
            byte[]? raw = null;
            if (residuals.TryGetValue(module, out Matrix? residual))
            {
                float[] stored = t.Weight.Transposed ? residual.Transpose().Data : residual.Data;
                raw = System.Runtime.InteropServices.MemoryMarshal.AsBytes(stored.AsSpan()).ToArray();
            }
            else if (storedResiduals is not null && storedResiduals.TryGetValue(module, out byte[]? given))
            {
                raw = given;
            }

            if (raw is not null)
            {
                if (consumers.TryGetValue(weightName, out List<OnnxNode>? users) && users.Count > 1)
                {
                    weightName = builder.Initializer(new OnnxTensor(module + ".base", TensorElementType.Float, (long[])weight.Dims.Clone(), raw));
                    node.Inputs[1] = weightName;
                }
                else
                {
                    weight.ReplaceData(raw);
                }
            }

            string x = node.Inputs[0];
            string y = node.Outputs[0];
            int position = g.Nodes.IndexOf(node);
            int before = g.Nodes.Count;
            string baseOut = builder.UniqueName(module + ".base_out");
            node.Outputs[0] = baseOut;
            string a = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_A", f.A.Data, f.A.Rows, f.A.Cols));
            string b = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_B", f.B.Data, f.B.Rows, f.B.Cols));
            string s = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_scale", [f.Scale]));
            string xa = builder.Node("MatMul", [x, a], name: module + ".lora_A.MatMul")[0];
            string term = builder.Node("MatMul", [xa, b], name: module + ".lora_B.MatMul")[0];
            string? a0 = null;
            string? b0 = null;
            if (frozen.TryGetValue(module, out AdapterFactors? init))
            {
                a0 = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_A0", init.A.Data, init.A.Rows, init.A.Cols));
                b0 = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_B0", init.B.Data, init.B.Rows, init.B.Cols));
                string xa0 = builder.Node("MatMul", [x, a0], name: module + ".lora_A0.MatMul")[0];
                string term0 = builder.Node("MatMul", [xa0, b0], name: module + ".lora_B0.MatMul")[0];
                term = builder.Node("Sub", [term, term0], name: module + ".lora_delta.Sub")[0];
            }

            string scaled = builder.Node("Mul", [term, s], name: module + ".lora_scale.Mul")[0];
            string? magnitude = null;
            var constants = new List<string>();
            if (f.Magnitude is { } mag)
            {
                magnitude = builder.Initializer(OnnxTensor.FromFloats(module + ".lora_magnitude", mag, mag.Length));
                string sum = builder.Node("Add", [baseOut, scaled], name: module + ".lora.Add")[0];
                Dora(builder, node, t, weightName, (a, b, a0, b0, s), magnitude, sum, y, opset, constants, stopped);
            }
            else
            {
                g.Nodes.Add(new OnnxNode("Add", [baseOut, scaled], [y], builder.UniqueName(module + ".lora.Add")));
            }

            // Move the new nodes from the end to just after the target.
            List<OnnxNode> added = g.Nodes.GetRange(before, g.Nodes.Count - before);
            g.Nodes.RemoveRange(before, added.Count);
            g.Nodes.InsertRange(position + 1, added);
            entries.Add(new AdapterGraphEntry
            {
                Module = module,
                Node = node.Name,
                BaseInitializer = weightName,
                Output = y,
                BaseOutput = baseOut,
                LoraA = a,
                LoraB = b,
                LoraA0 = a0,
                LoraB0 = b0,
                ScaleInitializer = s,
                AddedNodes = added.Select(n => n.Name).ToList(),
                Magnitude = magnitude,
                AddedInitializers = constants.Count > 0 ? constants : null,
                Rank = f.Rank,
                Alpha = t.Alpha,
            });
        }

        if (stopped.Count > 0)
        {
            model.SetMetadata(GradientBuilder.StopGradientKey, JsonSerializer.Serialize(stopped));
        }

        model.SetMetadata(AdapterGraphEntry.MetadataKey, AdapterGraphEntry.ToJson(entries));
        model.SetMetadata(AdapterGraphEntry.TrainableKey, JsonSerializer.Serialize(entries.SelectMany(e => e.TrainableInitializers()).ToList()));
    }

    /// <summary>
    /// DoRA: <c>y = (m / ‖V‖_c) ⊙ sum</c> (bias of a Gemm kept outside the rescaling), V = W + s·(A·B − A₀·B₀) in×out,
    /// ‖V‖_c = ReduceL2 over the input axis ([out]); the norm is recorded as a gradient stop (peft detaches it).
    /// </summary>
    private static void Dora(
        GraphBuilder builder, OnnxNode node, LowRankTarget t, string weight, (string A, string B, string? A0, string? B0, string S) lora,
        string magnitude, string sum, string y, long opset, List<string> constants, List<string> stopped)
    {
        string module = t.Module;
        string delta = builder.Node("MatMul", [lora.A, lora.B], name: module + ".dora_delta.MatMul")[0];
        if (lora.A0 is not null && lora.B0 is not null)
        {
            string delta0 = builder.Node("MatMul", [lora.A0, lora.B0], name: module + ".dora_delta0.MatMul")[0];
            delta = builder.Node("Sub", [delta, delta0], name: module + ".dora_delta.Sub")[0];
        }

        string w = t.Weight.Transposed ? builder.Node("Transpose", [weight], name: module + ".dora_weight.Transpose")[0] : weight;
        string v = builder.Node("Add", [w, builder.Node("Mul", [delta, lora.S], name: module + ".dora_delta.Mul")[0]], name: module + ".dora_weight.Add")[0];
        OnnxAttribute keep = OnnxAttribute.Int("keepdims", 0);
        string norm;
        if (opset >= 18)
        {
            string axes = builder.Initializer(OnnxTensor.FromInt64s(module + ".dora_axes", [0], 1));
            constants.Add(axes);
            norm = builder.Node("ReduceL2", [v, axes], attributes: [keep], name: module + ".dora_norm.ReduceL2")[0];
        }
        else
        {
            norm = builder.Node("ReduceL2", [v], attributes: [keep, OnnxAttribute.IntList("axes", 0)], name: module + ".dora_norm.ReduceL2")[0];
        }

        stopped.Add(norm);
        string ratio = builder.Node("Div", [magnitude, norm], name: module + ".dora_scale.Div")[0];
        if (node.OpType == "Gemm" && node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            float beta = node.FloatAttribute("beta", 1f);
            string bias = node.Inputs[2];
            if (beta != 1f)
            {
                string betaName = builder.Scalar(beta, module + ".dora_beta");
                constants.Add(betaName);
                bias = builder.Node("Mul", [bias, betaName], name: module + ".dora_bias.Mul")[0];
            }

            string unbiased = builder.Node("Sub", [sum, bias], name: module + ".dora_bias.Sub")[0];
            string rescaled = builder.Node("Mul", [unbiased, ratio], name: module + ".dora.Mul")[0];
            builder.Graph.Nodes.Add(new OnnxNode("Add", [rescaled, bias], [y], builder.UniqueName(module + ".dora_bias.Add")));
        }
        else
        {
            builder.Graph.Nodes.Add(new OnnxNode("Mul", [sum, ratio], [y], builder.UniqueName(module + ".dora.Mul")));
        }
    }

    private static void CheckSupported(OnnxNode node, LowRankTarget t)
    {
        if (t.Weight.InputIndex != 1)
        {
            throw new NotSupportedException($"{node.Describe()}: the weight '{t.Weight.Initializer}' is the left operand (W·x); only x·W targets can be adapted.");
        }

        if (node.OpType == "Gemm" && (node.IntAttribute("transA", 0) != 0 || node.FloatAttribute("alpha", 1f) != 1f))
        {
            throw new NotSupportedException($"{node.Describe()}: Gemm with transA = 1 or alpha ≠ 1 cannot be adapted.");
        }
    }
}
