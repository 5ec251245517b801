using System.Diagnostics;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Fine-tunes a text encoder ONNX graph for sentence classification through the standard ONNX Runtime: prepares the
/// classifier (<see cref="FineTuneModels"/>), builds the reverse-mode gradient graph of the cross-entropy loss with
/// respect to the trainable initializers, and steps AdamW on them under a learning-rate schedule, with resumable
/// checkpoints. The same seed gives the same run on the CPU.
/// </summary>
public static class TextClassifierFineTuning
{
    /// <summary>Runs the whole flow.</summary>
    /// <param name="encoder">The encoder (inputs input_ids, attention_mask[, token_type_ids]; output last_hidden_state).</param>
    /// <param name="tokenizer">The tokenizer (its max length should equal <see cref="FineTuneOptions.MaxLength"/>).</param>
    /// <param name="train">Training sentences.</param>
    /// <param name="valid">Validation sentences, or null.</param>
    /// <param name="options">The options.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops between steps (the last checkpoint stays valid for a resume).</param>
    /// <exception cref="ArgumentException">Empty data, labels outside [0, ClassCount), or invalid options.</exception>
    public static FineTuneResult Train(
        OnnxModel encoder,
        TextEncoderTokenizer tokenizer,
        IReadOnlyList<LabeledSentence> train,
        IReadOnlyList<LabeledSentence>? valid,
        FineTuneOptions options,
        IProgress<FineTuneProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CheckLabels(train, options.ClassCount, nameof(train));
        if (valid is not null)
        {
            CheckLabels(valid, options.ClassCount, nameof(valid));
        }

        var settings = new SessionSettings { Device = options.Device, IntraOpThreads = options.IntraOpThreads };
        int stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = options.MaxSteps ?? (options.Epochs * stepsPerEpoch);
        var order = new EpochOrder(train.Count, options.Seed);
        LabeledBatch BatchAt(int step)
        {
            int[] perm = order.Permutation(step / stepsPerEpoch);
            int start = step % stepsPerEpoch * options.BatchSize;
            return LabeledBatch.Encode(tokenizer, perm.Skip(start).Take(options.BatchSize).Select(i => train[i]).ToArray());
        }

        // 1. The classifier to train: from the checkpoint folder when resuming, else initialised now.
        var initClock = Stopwatch.StartNew();
        OnnxModel classifier;
        bool resuming = FineTuneCheckpoint.Exists(options.CheckpointDirectory);
        if (resuming)
        {
            classifier = OnnxModelIO.Load(Path.Combine(options.CheckpointDirectory!, FineTuneCheckpoint.InitialModelFile));
        }
        else
        {
            LabeledBatch[] calibration = Enumerable.Range(0, Math.Min(options.CalibrationBatches, stepsPerEpoch)).Select(BatchAt).ToArray();
            classifier = FineTuneModels.Prepare(encoder, options, calibration, settings);
            if (options.CheckpointDirectory is not null)
            {
                FineTuneCheckpoint.SaveInitialModel(options.CheckpointDirectory, classifier);
            }
        }

        double initSeconds = resuming ? 0 : initClock.Elapsed.TotalSeconds;

        // 2. Trainable state and the gradient session.
        TrainableTensor[] tensors = FineTuneModels.Trainables(classifier, options.Method).Select(name =>
        {
            OnnxTensor t = classifier.Graph.FindInitializer(name) ?? throw new InvalidOperationException($"Trainable '{name}' is not an initializer.");
            return new TrainableTensor(name, (long[])t.Dims.Clone(), t.ToArray<float>(), FineTuneModels.IsHead(name));
        }).ToArray();
        int step = 0;
        var losses = new List<float>();
        if (resuming)
        {
            (step, losses) = FineTuneCheckpoint.LoadState(options.CheckpointDirectory!, tensors);
        }

        OnnxModel lossModel = ClassifierLossGraph.Add(classifier, options.ClassWeights);
        var optimizer = new AdamW(options.Beta1, options.Beta2, options.Epsilon);
        int warmup = (int)Math.Round(options.WarmupRatio * totalSteps);
        float headLr = options.HeadLearningRate ?? options.LearningRate;
        var clock = Stopwatch.StartNew();
        int firstStep = step;
        using (var session = new GradientSession(lossModel, tensors, settings))
        {
            while (step < totalSteps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                LabeledBatch batch = BatchAt(step);
                float factor = (float)FineTuneSchedules.Factor(options.Schedule, step, totalSteps, warmup);
                float stepLoss = 0, accuracy = 0;
                int t = step + 1;
                session.Run(batch, (loss, logits, grads) =>
                {
                    stepLoss = loss;
                    accuracy = BatchAccuracy(logits, batch.Labels);
                    for (int i = 0; i < tensors.Length; i++)
                    {
                        TrainableTensor p = tensors[i];
                        float lr = (p.IsHead ? headLr : options.LearningRate) * factor;
                        optimizer.Update(p.Values, grads[i].GetTensorDataAsSpan<float>(), p.FirstMoment, p.SecondMoment, t, lr, p.Decays ? options.WeightDecay : 0);
                    }
                });
                if (!float.IsFinite(stepLoss))
                {
                    throw new InvalidOperationException(
                        $"Training diverged at step {t}: loss {stepLoss} (learning rate {options.LearningRate * factor:g3}). Lower the learning rate.");
                }

                losses.Add(stepLoss);
                step = t;
                if (options.CheckpointDirectory is not null && (step % options.CheckpointEvery == 0 || step == totalSteps))
                {
                    FineTuneCheckpoint.SaveState(options.CheckpointDirectory, step, losses, tensors);
                }

                double rate = (step - firstStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                progress?.Report(new FineTuneProgress(
                    step, totalSteps, (step - 1) / stepsPerEpoch, stepLoss, accuracy, options.LearningRate * factor, rate,
                    TimeSpan.FromSeconds((totalSteps - step) / Math.Max(rate, 1e-9))));
            }
        }

        double trainSeconds = clock.Elapsed.TotalSeconds;

        // 3. The trained classifier as plain inference ONNX.
        OnnxModel trained = WithValues(classifier, tensors);
        trained.SetMetadata("pipelines.finetune.method", options.Method.ToString());
        ClassificationMetrics? metrics = valid is null ? null : TextClassifierEvaluator.Evaluate(trained, tokenizer, valid, settings: settings);
        return new FineTuneResult(trained, losses, tensors.Sum(t => (long)t.Values.Length), initSeconds, trainSeconds, metrics);
    }

    /// <summary>A copy of <paramref name="classifier"/> with the given trained values.</summary>
    internal static OnnxModel WithValues(OnnxModel classifier, IReadOnlyList<TrainableTensor> tensors)
    {
        OnnxModel copy = classifier.Clone();
        foreach (TrainableTensor t in tensors)
        {
            copy.Graph.FindInitializer(t.Name)!.ReplaceData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Values.AsSpan()).ToArray());
        }

        return copy;
    }

    private static float BatchAccuracy(ReadOnlySpan<float> logits, long[] labels)
    {
        int classes = logits.Length / labels.Length;
        int correct = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            ReadOnlySpan<float> row = logits.Slice(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            correct += best == labels[r] ? 1 : 0;
        }

        return correct / (float)labels.Length;
    }

    private static void CheckLabels(IReadOnlyList<LabeledSentence> rows, int classes, string name)
    {
        if (rows.Count == 0)
        {
            throw new ArgumentException("The data set is empty.", name);
        }

        int bad = rows.ToList().FindIndex(r => r.Label < 0 || r.Label >= classes);
        if (bad >= 0)
        {
            throw new ArgumentException($"Row {bad} has label {rows[bad].Label}, outside [0, {classes}).", name);
        }
    }

    /// <summary>The seeded shuffle of each epoch (Fisher–Yates with seed + epoch), cached for the current epoch.</summary>
    private sealed class EpochOrder(int count, int seed)
    {
        private int _epoch = -1;
        private int[] _permutation = [];

        public int[] Permutation(int epoch)
        {
            if (epoch != _epoch)
            {
                var rng = new Random(unchecked(seed + (epoch * 7919)));
                _permutation = Enumerable.Range(0, count).ToArray();
                rng.Shuffle(_permutation);
                _epoch = epoch;
            }

            return _permutation;
        }
    }
}
