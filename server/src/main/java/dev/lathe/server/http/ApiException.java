package dev.lathe.server.http;

/**
 * A failure with its OpenAI error envelope: {@code {"error":{"message","type","param","code"}}} and
 * HTTP status. Every route throws these; {@link ApiErrors} writes them.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String param;
  private final String code;

  public ApiException(int status, String type, String message, String param, String code) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  /** 400 for a bad field: {@code param} names it. */
  public static ApiException invalid(String message, String param) {
    return new ApiException(400, "invalid_request_error", message, param, null);
  }

  /** 404 in OpenAI's wording for an unknown object id ({@code No such File object: file-x}). */
  public static ApiException noSuch(String objectType, String id) {
    return new ApiException(
        404, "invalid_request_error", "No such " + objectType + " object: " + id, "id", null);
  }

  /** 404 for an unknown or foreign model, in OpenAI's wording. */
  public static ApiException modelNotFound(String model, String param) {
    return new ApiException(
        404,
        "invalid_request_error",
        "The model `" + model + "` does not exist or you do not have access to it.",
        param,
        "model_not_found");
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }
}
