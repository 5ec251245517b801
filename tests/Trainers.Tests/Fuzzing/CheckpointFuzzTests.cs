using System.Security.Cryptography;
using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Pipelines.Trainers.Tests.Fuzzing;

/// <summary>
/// Issue 19 fuzz suite, training checkpoints: raw mutations (stopped by the SHA-256) and mutations of the body with
/// the hash recomputed (so that the parser itself meets bad counts, ranks, dims and lengths).
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedCheckpoints_SucceedOrFailTyped()
    {
        using var dir = new TempDirectory();
        byte[] original = Original(dir);
        string raw = FuzzSuite.Check("checkpoint (raw)", original, bytes => Load(dir, bytes), text: false, cases: FuzzSuite.Cases / 4);
        byte[] body = original[..^32];
        string rehashed = FuzzSuite.Check("checkpoint (rehashed)", body, bytes => Load(dir, [.. bytes, .. SHA256.HashData(bytes)]), text: false);
        output.WriteLine($"raw: {raw}; rehashed: {rehashed}");
    }

    internal static byte[] Original(TempDirectory dir)
    {
        string path = dir.File("orig.ckpt");
        var state = new List<OnnxTensor>
        {
            new("w", TensorElementType.Float, [2, 3], new byte[24]),
            new("step", TensorElementType.Int64, [1], BitConverter.GetBytes(7L)),
        };
        CheckpointFile.Save(new TrainingCheckpoint(7, 42, state, new Dictionary<string, string> { ["task"] = "text", ["lr"] = "0.001" }), path);
        return File.ReadAllBytes(path);
    }

    private static void Load(TempDirectory dir, byte[] bytes)
    {
        string path = dir.File($"m{Guid.NewGuid():N}.ckpt");
        File.WriteAllBytes(path, bytes);
        CheckpointFile.Load(path);
    }
}
