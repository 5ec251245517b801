using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Runtime;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Builds the classifier to train for a <see cref="LowRankMethod"/>: adapters from the low-rank initializers on the
/// chosen targets (LoRA-GA from gradients), the pooled linear head, and the list of trainable initializers.
/// </summary>
public static class FineTuneModels
{
    /// <summary>Prepares the classifier. An encoder that already carries adapters is used as it is (head added).</summary>
    /// <param name="encoder">The encoder (not modified).</param>
    /// <param name="options">The options.</param>
    /// <param name="calibration">Labelled batches for LoRA-GA, EVA and CorDA (ignored by the other methods).</param>
    /// <param name="settings">Session settings for calibration runs.</param>
    public static OnnxModel Prepare(OnnxModel encoder, FineTuneOptions options, IReadOnlyList<LabeledBatch> calibration, SessionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calibration);
        ClassifierHeadOptions head = HeadOptions(options);
        // A model adapted beforehand (e.g. by `pipelines lora init`) keeps its adapters; only the head is added.
        if (options.Method == LowRankMethod.Full || AdapterGraphEntry.Read(encoder).Count > 0)
        {
            return ClassifierGraph.AddHead(encoder, head);
        }

        if (options.Method == LowRankMethod.LoraGa)
        {
            IReadOnlyDictionary<string, Pipelines.Numerics.LinearAlgebra.Matrix> gradients =
                LoraGaInitializer.AverageGradients(encoder, head, options, calibration, settings);
            AdaptedModel lora = LowRankInitializer.Initialize(encoder, ToLowRankOptions(options, LowRankMethod.Lora));
            OnnxModel classifier = ClassifierGraph.AddHead(lora.Model, head);
            LoraGaInitializer.Apply(classifier, gradients, options.LoraGaGamma, (ulong)options.Seed);
            return classifier;
        }

        LowRankOptions lowRank = ToLowRankOptions(options, options.Method);
        if (options.Method == LowRankMethod.Eva)
        {
            lowRank = lowRank with { Eva = new EvaOptions { Batches = calibration.Select(b => b.Tensors).ToArray() } };
        }
        else if (options.Method is LowRankMethod.CordaKpm or LowRankMethod.CordaIpm)
        {
            // CorDA's covariance C = mean(XᵀX) per target from the first training batches (peft: a user's calibration set)
            lowRank = lowRank with { Corda = new CordaOptions { Batches = calibration.Select(b => b.Tensors).ToArray() } };
        }

        return ClassifierGraph.AddHead(LowRankInitializer.Initialize(encoder, lowRank).Model, head);
    }

    /// <summary>Names of the initializers trained for <paramref name="method"/>, head last.</summary>
    public static IReadOnlyList<string> Trainables(OnnxModel classifier, LowRankMethod method)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        List<string> names;
        if (method == LowRankMethod.Full)
        {
            // Every float tensor of the encoder with more than one element (weights, biases, LayerNorm, embeddings);
            // scalars are graph constants (ε, 1/√d), not parameters.
            names = classifier.Graph.Initializers
                .Where(t => t.ElementType == TensorElementType.Float && t.ElementCount > 1 && !IsHead(t.Name))
                .Select(t => t.Name).ToList();
        }
        else
        {
            names = AdapterGraphEntry.Read(classifier).SelectMany(e => e.TrainableInitializers()).ToList();
            if (names.Count == 0)
            {
                throw new InvalidOperationException("The classifier has no adapters; was it prepared for an adapter method?");
            }
        }

        names.Add(ClassifierGraph.HeadWeight);
        names.Add(ClassifierGraph.HeadBias);
        return names;
    }

    /// <summary>True for the head's initializers.</summary>
    public static bool IsHead(string name) => name is ClassifierGraph.HeadWeight or ClassifierGraph.HeadBias;

    /// <summary>The head options implied by <paramref name="options"/>.</summary>
    public static ClassifierHeadOptions HeadOptions(FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ClassifierHeadOptions { ClassCount = options.ClassCount, Pooling = options.Pooling, Seed = options.Seed };
    }

    /// <summary>The low-rank initializer options implied by <paramref name="options"/>.</summary>
    public static LowRankOptions ToLowRankOptions(FineTuneOptions options, LowRankMethod method)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LowRankOptions
        {
            Method = method,
            Rank = options.Rank,
            Alpha = options.EffectiveAlpha,
            Targets = options.Targets,
            Seed = (ulong)options.Seed,
            Dora = options.Dora,
            RsLora = options.RsLora,
            Redistribution = options.Redistribution,
        };
    }

}
